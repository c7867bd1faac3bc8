"""A strategy = compiled ruleset + decision policy + champion/challenger models, built from texts.

Built once per published version and then only read, so swapping it is one reference assignment. The
same object scores in the streaming agents, in backtest and in the training-set builder.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

import numpy as np

from risk.decision import Assessment, Versions
from risk.exceptions import BatchMismatchError
from risk.facts import TxFacts
from risk.features.columns import feature_columns
from risk.model import ModelArtifact, Scorer
from risk.policy import decide, parse_policy, thresholds_for
from risk.rules import DEFAULT_RULESET_LIMITS, Hit, RulesetLimits, compile_ruleset, parse_ruleset
from schemas.common import Action


@dataclass(frozen=True)
class StrategySources:
    ruleset: str
    policy: str
    responses: str
    ruleset_source: str = "<ruleset>"
    champion: str | None = None  # model artifact JSON
    challenger: str | None = None


def _hit_dict(hit: Any, shadow: bool) -> dict[str, Any]:
    return {"rule_id": hit.rule_id, "reason_code": hit.reason_code, "action": str(hit.action),
            "weight": float(hit.weight), "shadow": shadow}


class RulesAndModelStrategy:
    def __init__(self, sources: StrategySources, limits: RulesetLimits = DEFAULT_RULESET_LIMITS) -> None:
        self.ruleset = compile_ruleset(parse_ruleset(sources.ruleset, sources.ruleset_source, limits))
        self.policy = parse_policy(sources.policy)
        # a branch's thresholds, looked up once per branch and channel (the policy is fixed for this object)
        self._thresholds = lru_cache(maxsize=4096)(partial(thresholds_for, self.policy))
        self.champion = Scorer.from_artifact(ModelArtifact.from_json(sources.champion)) if sources.champion else None
        self.challenger = (Scorer.from_artifact(ModelArtifact.from_json(sources.challenger))
                           if sources.challenger else None)
        self.versions = Versions(
            ruleset=self.ruleset.version,
            model=self.champion.version if self.champion else None,
            challenger=self.challenger.version if self.challenger else None,
            policy=self.policy.version,
        )

    def assess(self, features: Mapping[str, Any], facts: TxFacts) -> Assessment:
        """One transaction: the single-event paths of the rule engine and the models."""
        hits = self.ruleset.evaluate_one(features, facts.branch_path, facts.event_time_ms)
        model_score = self.champion.score_one(features) if self.champion else None
        challenger_score = self.challenger.score_one(features) if self.challenger else None
        return self._assessment(hits, model_score, challenger_score, facts)

    def assess_batch(self, rows: Sequence[Mapping[str, Any]], facts: Sequence[TxFacts]) -> list[Assessment]:
        """Many transactions at once, equal to `assess` row by row: one vectorised pass of every rule and
        one batch prediction per model, which is what the score stage runs on each batch it takes."""
        if len(rows) != len(facts):
            msg = f"{len(rows)} feature rows for {len(facts)} transactions"
            raise BatchMismatchError(msg)
        if not rows:
            return []
        paths = [f.branch_path for f in facts]
        batch = self.ruleset.evaluate_batch(feature_columns(rows, self.ruleset.features_for(paths)), paths,
                                            np.fromiter((f.event_time_ms for f in facts), np.int64, len(facts)))
        model = self.champion.score_batch(rows) if self.champion else None
        challenger = self.challenger.score_batch(rows) if self.challenger else None
        return [self._assessment(batch.hits(i), None if model is None else float(model[i]),
                                 None if challenger is None else float(challenger[i]), f)
                for i, f in enumerate(facts)]

    def _assessment(self, hits: list[Hit], model_score: float | None, challenger_score: float | None,
                    facts: TxFacts) -> Assessment:
        outcome = decide(hits, model_score, facts.branch_path, facts.channel, self.policy,
                         self._thresholds(facts.branch_path, facts.channel))
        return Assessment(
            action=Action(str(outcome.action)),
            score=float(outcome.score),
            rule_score=float(outcome.rule_score),
            reason_codes=list(outcome.reason_codes),
            hits=[_hit_dict(h, False) for h in outcome.active_hits] + [_hit_dict(h, True) for h in outcome.shadow_hits],
            model_score=model_score,
            challenger_score=challenger_score,
        )


def build_strategy(sources: StrategySources, limits: RulesetLimits = DEFAULT_RULESET_LIMITS) -> RulesAndModelStrategy:
    """Raises `RulesetCompileError` (`RulesetLimitError` over `limits`) and the policy's and models' errors."""
    return RulesAndModelStrategy(sources, limits)
