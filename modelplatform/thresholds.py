"""Score thresholds from the alert budget: the lowest thresholds that keep genuine friction inside it.

Rule actions are fixed (a rule that carries its own action acts whatever the score). In each budget scope,
what the rules leave of the budget's cumulative caps (BLOCK: block; REVIEW or worse: review + block; not
ALLOW: all three), times `HEADROOM` so that next month's traffic still fits, is shared among the
thresholds entries (scope and channel) the scope's rows fall under, in proportion to their genuine rows.
Each entry's threshold is then the lowest score (never under `FLOOR`) at which its genuine rows stay
within its share. Entries with fewer than `MIN_GENUINE` genuine rows keep their thresholds: too little
evidence to move them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelplatform.friction import CHANNEL, Labelled, RuleEval, policy_scores
from risk.policy import PolicySpec, Thresholds, budget_for, thresholds_for
from schemas.common import Action

_LEVELS = (Action.BLOCK, Action.REVIEW, Action.CHALLENGE)
MIN_GENUINE = 500
HEADROOM = 0.8
FLOOR = 0.1
_DECIMALS = 4


@dataclass(frozen=True)
class ThresholdProposal:
    current: Thresholds
    proposed: Thresholds
    rows: int
    genuine: int
    over_budget: tuple[str, ...]  # actions whose cap the rule actions alone already exceed


def _lowest_within(scores: np.ndarray, allowed: int) -> float:
    """The lowest threshold (rounded up) with at most `allowed` of `scores` at or above it."""
    if allowed < 0:
        return 1.0
    if allowed >= len(scores):
        return FLOOR
    top = np.sort(scores)[::-1]
    cut = float(np.nextafter(top[allowed], np.inf))
    return min(max(float(np.ceil(cut * 10**_DECIMALS) / 10**_DECIMALS), FLOOR), 1.0)


def _headroom(policy: PolicySpec, rule_action: np.ndarray, genuine: np.ndarray, branch_paths: list[str]
              ) -> dict[tuple[str, Action], float]:
    """(budget scope, action) → the genuine share its rules leave under the cumulative cap, per genuine row."""
    scopes = np.array([budget_for(policy, p).scope for p in branch_paths], dtype=object)
    out = {}
    for budget in policy.budgets:
        rows = genuine & (scopes == budget.scope)
        n = max(int(rows.sum()), 1)
        for level in _LEVELS:
            used = float((rule_action[rows] >= level.severity).sum()) / n
            out[budget.scope, level] = HEADROOM * budget.at_least(level) - used
    return out


def propose_thresholds(policy: PolicySpec, ev: RuleEval, data: Labelled) -> list[ThresholdProposal]:
    scores = policy_scores(policy, ev.rule_score(), data)
    rule_action = ev.rule_action()
    genuine_all = ~data.fraud
    left = _headroom(policy, rule_action, genuine_all, data.branch_paths)
    owner = np.array([thresholds_for(policy, path, str(row.get(CHANNEL, ""))).model_dump_json()
                      for path, row in zip(data.branch_paths, data.rows, strict=True)], dtype=object)
    out = []
    for entry in policy.thresholds:
        rows = owner == entry.model_dump_json()
        genuine = rows & genuine_all
        n_gen = int(genuine.sum())
        if n_gen < MIN_GENUINE:
            out.append(ThresholdProposal(entry, entry, int(rows.sum()), n_gen, ()))
            continue
        scope = budget_for(policy, entry.scope).scope
        cuts: dict[str, float] = {}
        over: list[str] = []
        ceiling = 1.0
        for level in _LEVELS:
            share = left[scope, level]
            if share < 0:
                over.append(level.value)
            free = scores[genuine & (rule_action < level.severity)]
            ceiling = min(ceiling, _lowest_within(free, int(np.floor(share * n_gen))))
            cuts[level.value.lower()] = ceiling
        proposed = Thresholds.model_validate(entry.model_copy(update=cuts).model_dump())
        out.append(ThresholdProposal(entry, proposed, int(rows.sum()), n_gen, tuple(over)))
    return out


def with_thresholds(policy: PolicySpec, proposals: list[ThresholdProposal]) -> PolicySpec:
    return policy.model_copy(update={"thresholds": tuple(p.proposed for p in proposals)})
