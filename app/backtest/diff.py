"""What a candidate ruleset changes against a baseline on the same traffic: hit counts and actions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.backtest.evaluate import RuleStats
from app.backtest.exceptions import BacktestError
from app.backtest.rows import ACTIONS, Columns

ALLOW = ACTIONS.index("ALLOW")


@dataclass(frozen=True)
class HitDelta:
    rule_id: str
    baseline_hits: int
    candidate_hits: int

    @property
    def delta(self) -> int:
        return self.candidate_hits - self.baseline_hits


def hit_deltas(baseline: Sequence[RuleStats], candidate: Sequence[RuleStats]) -> list[HitDelta]:
    """Rules whose hit count changed (added/removed rules count from/to 0); largest change first, ties by id."""
    old = {s.rule_id: s.hits for s in baseline}
    new = {s.rule_id: s.hits for s in candidate}
    deltas = [HitDelta(rid, old.get(rid, 0), new.get(rid, 0)) for rid in old.keys() | new.keys()]
    return sorted((d for d in deltas if d.delta), key=lambda d: (-abs(d.delta), d.rule_id))


@dataclass(frozen=True)
class ActionChanges:
    """`changes["ALLOW→REVIEW"]` = decisions that went from ALLOW to REVIEW; frauds newly caught or lost."""

    changes: dict[str, int]
    changed: int
    frauds_newly_alerted: int  # fraud that the baseline ALLOWed and the candidate does not
    frauds_no_longer_alerted: int
    genuine_newly_alerted: int
    genuine_no_longer_alerted: int


def action_changes(baseline: Columns, candidate: Columns) -> ActionChanges:
    """Pair decisions by transaction id; both runs must have decided the same transactions."""
    order_b, order_c = np.argsort(baseline.tx, kind="stable"), np.argsort(candidate.tx, kind="stable")
    if len(order_b) != len(order_c) or not np.array_equal(baseline.tx[order_b], candidate.tx[order_c]):
        raise BacktestError(f"baseline and candidate decided different transactions ({len(baseline)} vs "
                            f"{len(candidate)} decisions); both runs must read the same input")
    old, new = baseline.action[order_b], candidate.action[order_c]
    fraud = candidate.y[order_c] == 1
    moved = old != new
    pairs, counts = np.unique(old[moved].astype(np.int16) * len(ACTIONS) + new[moved], return_counts=True)
    changes = {f"{ACTIONS[p // len(ACTIONS)]}→{ACTIONS[p % len(ACTIONS)]}": int(n)
               for p, n in zip(pairs, counts, strict=True)}
    was, now = old != ALLOW, new != ALLOW
    return ActionChanges(
        changes=dict(sorted(changes.items(), key=lambda kv: (-kv[1], kv[0]))), changed=int(moved.sum()),
        frauds_newly_alerted=int((fraud & now & ~was).sum()), frauds_no_longer_alerted=int((fraud & was & ~now).sum()),
        genuine_newly_alerted=int((~fraud & now & ~was).sum()),
        genuine_no_longer_alerted=int((~fraud & was & ~now).sum()))
