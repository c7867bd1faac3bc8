"""A ruleset and a policy replayed over recorded feature snapshots: hits, actions and the friction they cost.

A history directory (`fraudstream model history`) holds every decision's feature snapshot, so a candidate
ruleset or policy can be judged on it without re-running the stream: the compiled ruleset's batch evaluator
reads the snapshots as columns, each row with its own branch's rule settings. Labels are taken as known at
the end of the labels file (hindsight: calibration looks back at verdicts that have come in); a transaction
without a verdict counts as genuine, as in training (`modelplatform.dataset`).

Friction is what genuine customers feel: the share of genuine transactions at each action. The fraud recall
next to it is the share of fraud not allowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from modelplatform.dataset import parse_decision, parse_label
from modelplatform.history import HistoryPaths, day_ms
from modelplatform.records import read_jsonl
from risk.features.columns import feature_columns
from risk.policy import PolicySpec, combine_array, thresholds_for
from risk.rules.hits import BatchHits
from risk.rules.ruleset import CompiledRuleset
from schemas.common import Action

ACTIONS = tuple(Action)  # ALLOW, CHALLENGE, REVIEW, BLOCK: index = severity
BRANCH = "tx.branch_path"
CHANNEL = "tx.channel"


@dataclass(frozen=True)
class Labelled:
    """Decision snapshots of a window with their verdicts (True: fraud) and recorded model scores."""

    rows: list[dict[str, object]]
    branch_paths: list[str]
    times_ms: np.ndarray
    fraud: np.ndarray
    model_score: np.ndarray  # NaN where the decision had no model
    history: np.ndarray | None = None  # which history each row came from, when several are pooled
    _columns: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def columns(self, names: Sequence[str]) -> dict[str, np.ndarray]:
        """The snapshots as columns, each built once (calibration evaluates many rulesets on one window)."""
        missing = [name for name in names if name not in self._columns]
        if missing:
            self._columns.update(feature_columns(self.rows, missing))
        return {name: self._columns[name] for name in names}

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def has_model(self) -> bool:
        return bool(len(self.model_score)) and not np.isnan(self.model_score).any()

    def per_history(self, mask: np.ndarray) -> list[np.ndarray]:
        """`mask` split by history: a budget must hold in each history, not only on their sum."""
        if self.history is None:
            return [mask]
        return [mask & (self.history == h) for h in np.unique(self.history[mask])]


def load_labelled(root: Path, *, last_days: float | None = None) -> Labelled:
    """The history's decisions (the last `last_days` only, if given) with every verdict in its labels file."""
    paths = HistoryPaths(root)
    meta = paths.read_meta()
    since = day_ms(meta, meta.days - last_days) if last_days is not None else meta.start_ms
    verdicts: dict[str, tuple[int, bool]] = {}
    for raw in read_jsonl(paths.labels):
        label = parse_label(raw)
        known = verdicts.get(label.transaction_id)
        if known is None or (label.confirmed_at_ms, label.is_fraud) >= known:
            verdicts[label.transaction_id] = (label.confirmed_at_ms, label.is_fraud)
    rows, paths_, times, fraud, model = [], [], [], [], []
    for raw in read_jsonl(paths.decisions):
        decision = parse_decision(raw)
        if decision.event_time_ms < since:
            continue
        rows.append(dict(decision.features))
        paths_.append(str(decision.features.get(BRANCH, "")))
        times.append(decision.event_time_ms)
        fraud.append(verdicts.get(decision.transaction_id, (0, False))[1])
        model.append(decision.model_score)
    return Labelled(rows, paths_, np.array(times, dtype=np.int64), np.array(fraud, dtype=bool),
                    np.array(model, dtype=np.float64))


def load_histories(roots: Sequence[Path], *, last_days: float | None = None) -> Labelled:
    """Several histories as one window (`pooled`); one history as it is."""
    parts = [load_labelled(root, last_days=last_days) for root in roots]
    return parts[0] if len(parts) == 1 else pooled(parts)


def pooled(parts: Sequence[Labelled]) -> Labelled:
    """Windows as one (e.g. two data shapes, or two banks), each row marked with its window: rules and
    thresholds calibrated on it must keep the budget in each window (`Labelled.per_history`), not only on
    their sum, where the window with the most rows would hide another's friction."""
    return Labelled([row for p in parts for row in p.rows], [path for p in parts for path in p.branch_paths],
                    np.concatenate([p.times_ms for p in parts]), np.concatenate([p.fraud for p in parts]),
                    np.concatenate([p.model_score for p in parts]),
                    np.concatenate([np.full(len(p), i, dtype=np.int16) for i, p in enumerate(parts)]))


@dataclass(frozen=True)
class RuleEval:
    """Per row and rule: hit, and the settings in force at the row's branch (severity 0 where absent)."""

    rule_ids: tuple[str, ...]
    hit: np.ndarray  # (rows, rules) bool
    severity: np.ndarray  # (rows, rules) int8, the rule's action severity at the row's branch
    weight: np.ndarray  # (rows, rules) float32
    shadow: np.ndarray  # (rows, rules) bool

    @property
    def active(self) -> np.ndarray:
        return self.hit & ~self.shadow

    def rule_score(self) -> np.ndarray:
        """1 - prod(1 - weight) over active hits (`risk.policy.decide`)."""
        miss = np.where(self.active, 1.0 - self.weight, 1.0).prod(axis=1)
        return np.clip(1.0 - miss, 0.0, 1.0)

    def rule_action(self) -> np.ndarray:
        """The most severe active rule action per row (0: none)."""
        return np.where(self.active, self.severity, 0).max(axis=1, initial=0).astype(np.int8)


def evaluate_rules(compiled: CompiledRuleset, data: Labelled) -> RuleEval:
    names = sorted(compiled.features_for(set(data.branch_paths)))
    columns = data.columns(names)
    batch: BatchHits = compiled.evaluate_batch(columns, data.branch_paths, data.times_ms)
    n_rules = len(batch.rule_ids)
    tables = np.zeros((len(batch.variant_hits), 3, n_rules), dtype=np.float32)
    for v, hits in enumerate(batch.variant_hits):
        for col, hit in hits.items():
            tables[v, :, col] = (Action(hit.action).severity, hit.weight, hit.shadow)
    per_row = tables[batch.row_variant] if len(batch.row_variant) else np.zeros((0, 3, n_rules), np.float32)
    return RuleEval(tuple(batch.rule_ids), np.asarray(batch.matrix, dtype=bool),
                    per_row[:, 0].astype(np.int8), per_row[:, 1], per_row[:, 2].astype(bool))


def policy_scores(policy: PolicySpec, rule_score: np.ndarray, data: Labelled) -> np.ndarray:
    """The score the thresholds act on: the rule score alone, or blended with the recorded model score."""
    return combine_array(policy, rule_score, data.model_score) if data.has_model else rule_score


def threshold_actions(policy: PolicySpec, scores: np.ndarray, data: Labelled) -> np.ndarray:
    """The thresholds' action per row (deepest scope, exact channel first), as a severity."""
    out = np.zeros(len(scores), dtype=np.int8)
    cache: dict[tuple[str, str], tuple[float, float, float]] = {}
    for i, (path, row) in enumerate(zip(data.branch_paths, data.rows, strict=True)):
        key = (path, str(row.get(CHANNEL, "")))
        cut = cache.get(key)
        if cut is None:
            t = thresholds_for(policy, *key)
            cut = cache[key] = (t.challenge, t.review, t.block)
        out[i] = int(scores[i] >= cut[0]) + int(scores[i] >= cut[1]) + int(scores[i] >= cut[2])
    return out


@dataclass(frozen=True)
class Friction:
    """Genuine share at each action, and fraud caught (not allowed / blocked)."""

    genuine: int
    frauds: int
    genuine_share: dict[str, float]
    fraud_recall: float
    fraud_block_recall: float

    @property
    def genuine_not_allowed(self) -> float:
        return sum(v for k, v in self.genuine_share.items() if k != Action.ALLOW.value)


def friction(actions: np.ndarray, fraud: np.ndarray) -> Friction:
    genuine = ~fraud
    n_gen, n_fraud = int(genuine.sum()), int(fraud.sum())
    shares = {a.value: float((actions[genuine] == a.severity).sum() / n_gen) if n_gen else 0.0 for a in ACTIONS}
    recall = float((actions[fraud] > 0).sum() / n_fraud) if n_fraud else float("nan")
    block = float((actions[fraud] == Action.BLOCK.severity).sum() / n_fraud) if n_fraud else float("nan")
    return Friction(n_gen, n_fraud, shares, recall, block)


def final_actions(policy: PolicySpec, ev: RuleEval, data: Labelled) -> np.ndarray:
    """What the policy decides per row: the more severe of the rule actions and the score's threshold."""
    scores = policy_scores(policy, ev.rule_score(), data)
    return np.maximum(ev.rule_action(), threshold_actions(policy, scores, data))


def budget_groups(policy: PolicySpec, branch_paths: Sequence[str]) -> dict[str, np.ndarray]:
    """Row masks per budget scope (each row under its deepest covering budget)."""
    from risk.policy import budget_for

    owner = {path: budget_for(policy, path).scope for path in set(branch_paths)}
    scopes = np.array([owner[p] for p in branch_paths], dtype=object)
    return {b.scope: scopes == b.scope for b in policy.budgets}
