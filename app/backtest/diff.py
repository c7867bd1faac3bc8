"""What a candidate ruleset changes against a baseline on the same traffic: hit counts and actions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from app.backtest.evaluate import RuleStats
from app.backtest.exceptions import BacktestError
from app.backtest.rows import Row


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


def action_changes(baseline: Sequence[Row], candidate: Sequence[Row]) -> ActionChanges:
    """Pair decisions by transaction id; both runs must have decided the same transactions."""
    old = {r.transaction_id: r for r in baseline}
    new = {r.transaction_id: r for r in candidate}
    if old.keys() != new.keys():
        only = sorted(old.keys() ^ new.keys())[:5]
        raise BacktestError(f"baseline and candidate decided different transactions (e.g. {only}); "
                            "both runs must read the same input")
    changes: Counter[str] = Counter()
    counts = Counter[str]()
    for tx_id, b in old.items():
        c = new[tx_id]
        if b.action == c.action:
            continue
        changes[f"{b.action}→{c.action}"] += 1
        if b.alerted != c.alerted:
            who = "frauds" if c.fraud else "genuine"
            counts[f"{who}_{'newly' if c.alerted else 'no_longer'}_alerted"] += 1
    return ActionChanges(changes=dict(sorted(changes.items(), key=lambda kv: (-kv[1], kv[0]))),
                         changed=sum(changes.values()), **{k: counts[k] for k in (
                             "frauds_newly_alerted", "frauds_no_longer_alerted", "genuine_newly_alerted",
                             "genuine_no_longer_alerted")})
