"""Score thresholds from the alert budget: thresholds that catch what fraud the budget affords, no lower.

Rule actions are fixed (a rule that carries its own action acts whatever the score). In each budget scope,
what the rules leave of the budget's cumulative caps (BLOCK: block; REVIEW or worse: review + block; not
ALLOW: all three), times `HEADROOM` so that next month's traffic still fits, is shared among the
thresholds entries (scope and channel) the scope's rows fall under, in proportion to their genuine rows.

Per entry and action, the lowest threshold (never under `FLOOR`) at which the entry's genuine rows stay
within their share bounds the search; the threshold proposed is the highest one that still catches every
labelled fraud that bound catches: friction a customer feels must buy fraud caught. Where the bound catches
no labelled fraud, or the entry's rows hold fewer than `MIN_FRAUD` frauds, there is no evidence to lower it:
a scoped entry follows its parent (the entry its rows would fall under without it), the root keeps its value,
each only raised as far as the budget needs. (The lowest threshold alone fell to `FLOOR` wherever few rows
score at all, e.g. on rule scores alone, and made every score-only rule hit a CHALLENGE.) Entries with
fewer than `MIN_GENUINE` genuine rows keep their thresholds: too little traffic to measure the budget on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelplatform.friction import CHANNEL, Labelled, RuleEval, policy_scores
from risk.policy import PolicySpec, Thresholds, budget_for, thresholds_for
from schemas.common import Action

_LEVELS = (Action.BLOCK, Action.REVIEW, Action.CHALLENGE)
MIN_GENUINE = 500
MIN_FRAUD = 20
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


def _round_down(score: float) -> float:
    return float(np.floor(score * 10**_DECIMALS) / 10**_DECIMALS)


def _lowest_within(scores: np.ndarray, allowed: int) -> float:
    """The lowest threshold (rounded up) with at most `allowed` of `scores` at or above it."""
    if allowed < 0:
        return 1.0
    if allowed >= len(scores):
        return FLOOR
    top = np.sort(scores)[::-1]
    cut = float(np.nextafter(top[allowed], np.inf))
    return min(max(float(np.ceil(cut * 10**_DECIMALS) / 10**_DECIMALS), FLOOR), 1.0)


def _headroom(policy: PolicySpec, rule_action: np.ndarray, data: Labelled) -> dict[tuple[str, int, Action], float]:
    """(budget scope, history, action) → the genuine share the rules leave under the cumulative cap."""
    scopes = np.array([budget_for(policy, p).scope for p in data.branch_paths], dtype=object)
    history = data.history if data.history is not None else np.zeros(len(data), dtype=np.int16)
    out = {}
    for budget in policy.budgets:
        for rows in data.per_history(~data.fraud & (scopes == budget.scope)):
            n = max(int(rows.sum()), 1)
            h = int(history[rows][0]) if rows.any() else 0
            for level in _LEVELS:
                used = float((rule_action[rows] >= level.severity).sum()) / n
                out[budget.scope, h, level] = HEADROOM * budget.at_least(level) - used
    return out


def _cut(lowest: float, fraud: np.ndarray, default: float, evidence: bool) -> float:
    """The highest threshold catching every labelled fraud that `lowest` (the budget's bound) catches;
    without evidence, `default` (raised to the bound)."""
    caught = fraud[fraud >= lowest]
    if not evidence or not len(caught):
        return max(default, lowest)
    return max(_round_down(float(caught.min())), lowest)


def _depth(t: Thresholds) -> tuple[int, bool]:
    return (-1 if t.scope == "" else t.scope.count("/"), t.channel != "*")


def _parent(policy: PolicySpec, entries: list[Thresholds], i: int) -> Thresholds | None:
    """The entry `entries[i]`'s rows would fall under without it (None for the root entry)."""
    entry = entries[i]
    if entry.scope == "" and entry.channel == "*":
        return None
    others = tuple(t for k, t in enumerate(entries) if k != i)
    return thresholds_for(policy.model_copy(update={"thresholds": others}), entry.scope, entry.channel)


def propose_thresholds(policy: PolicySpec, ev: RuleEval, data: Labelled) -> list[ThresholdProposal]:
    """Entries root first, so that a scoped entry without evidence follows its parent's proposal. With
    several histories pooled, the budget's bound is the highest of each history's."""
    scores = policy_scores(policy, ev.rule_score(), data)
    rule_action = ev.rule_action()
    left = _headroom(policy, rule_action, data)
    history = data.history if data.history is not None else np.zeros(len(data), dtype=np.int16)
    owner = np.array([thresholds_for(policy, path, str(row.get(CHANNEL, ""))).model_dump_json()
                      for path, row in zip(data.branch_paths, data.rows, strict=True)], dtype=object)
    entries = list(policy.thresholds)
    out: dict[int, ThresholdProposal] = {}
    for i in sorted(range(len(entries)), key=lambda k: _depth(entries[k])):
        entry = entries[i]
        rows = owner == entry.model_dump_json()
        genuine, fraud = rows & ~data.fraud, rows & data.fraud
        n_gen = int(genuine.sum())
        if n_gen < MIN_GENUINE:
            out[i] = ThresholdProposal(entry, entry, int(rows.sum()), n_gen, ())
            continue
        parent = _parent(policy, entries, i)
        default = entry if parent is None else parent
        evidence = int(fraud.sum()) >= MIN_FRAUD
        scope = budget_for(policy, entry.scope).scope
        cuts: dict[str, float] = {}
        over: set[str] = set()
        ceiling = 1.0
        for level in _LEVELS:
            free = rule_action < level.severity
            lowest = FLOOR
            for part in data.per_history(genuine):
                share = left[scope, int(history[part][0]), level]
                if share < 0:
                    over.add(level.value)
                lowest = max(lowest, _lowest_within(scores[part & free], int(np.floor(share * part.sum()))))
            name = level.value.lower()
            ceiling = cuts[name] = min(ceiling, _cut(lowest, scores[fraud & free], getattr(default, name), evidence))
        proposed = Thresholds.model_validate(entry.model_copy(update=cuts).model_dump())
        out[i] = ThresholdProposal(entry, proposed, int(rows.sum()), n_gen,
                                   tuple(a.value for a in _LEVELS if a.value in over))
        entries[i] = proposed
    return [out[i] for i in range(len(entries))]


def with_thresholds(policy: PolicySpec, proposals: list[ThresholdProposal]) -> PolicySpec:
    return policy.model_copy(update={"thresholds": tuple(p.proposed for p in proposals)})
