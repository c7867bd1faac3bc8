"""Per-rule, per-scenario and overall quality of one backtest run. Pure: rows in, plain dataclasses out.

Precision and recall are per transaction: a rule "hits" a transaction when it fires on it (active or
shadow), a hit is true when the transaction is fraud (see `truth`). Undefined ratios (no hits, no fraud)
are NaN here and `null` in the JSON report.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from app.backtest.rows import Row, bank_days, columns
from modelplatform.metrics import average_precision, daily_precision_at_k, recall_at_budget, roc_auc

GENUINE = "genuine"
UNTAGGED = "untagged"


def _ratio(num: float, den: float) -> float:
    return num / den if den else math.nan


@dataclass(frozen=True)
class RuleStats:
    rule_id: str
    hits: int
    shadow_hits: int  # of `hits`, those recorded in shadow mode (never acted on)
    fraud_hits: int
    hit_rate: float
    precision: float
    recall: float
    alerts_per_day: float


def rule_stats(rows: Sequence[Row], rule_ids: Iterable[str], *, days: int) -> list[RuleStats]:
    """One entry per rule in `rule_ids` (zero-hit rules included, they are news too), then any other rule
    that fired (e.g. from a scope), in the order given."""
    hits, shadow, fraud_hits = Counter[str](), Counter[str](), Counter[str]()
    for row in rows:
        for rule_id in row.active_rules + row.shadow_rules:
            hits[rule_id] += 1
            fraud_hits[rule_id] += row.fraud
        shadow.update(row.shadow_rules)
    frauds = sum(r.fraud for r in rows)
    ordered = list(dict.fromkeys([*rule_ids, *hits]))
    return [RuleStats(rule_id=rid, hits=hits[rid], shadow_hits=shadow[rid], fraud_hits=fraud_hits[rid],
                      hit_rate=_ratio(hits[rid], len(rows)), precision=_ratio(fraud_hits[rid], hits[rid]),
                      recall=_ratio(fraud_hits[rid], frauds), alerts_per_day=_ratio(hits[rid], days))
            for rid in ordered]


@dataclass(frozen=True)
class ScenarioStats:
    """How much of one scenario's fraud (or, for `genuine`, of the genuine traffic) is not ALLOWed."""

    scenario: str
    transactions: int
    alerted: int
    rate: float


def scenario_stats(rows: Sequence[Row]) -> list[ScenarioStats]:
    """Per scenario tag (fraud without a tag: `untagged`), plus `genuine`; sorted by name."""
    total, alerted = Counter[str](), Counter[str]()
    for row in rows:
        name = (row.scenario or UNTAGGED) if row.fraud else GENUINE
        total[name] += 1
        alerted[name] += row.alerted
    return [ScenarioStats(name, total[name], alerted[name], _ratio(alerted[name], total[name]))
            for name in sorted(total)]


@dataclass(frozen=True)
class Overall:
    transactions: int
    frauds: int
    days: int
    actions: dict[str, int]
    alerts: int  # decisions other than ALLOW
    alert_precision: float
    alert_recall: float
    auc: float
    average_precision: float
    precision_at_k: float  # mean over days
    daily_precision_at_k: dict[str, float]  # epoch day (bank zone) → precision of the top-k accounts
    recall_at_budget: float
    k: int
    budget: float


def overall(rows: Sequence[Row], *, k: int, budget: float, utc_offset_minutes: int) -> Overall:
    """Whole-run numbers; the ranking metrics use the decision `score` (rules, or rules + model)."""
    cols = columns(list(rows))
    alerts = sum(r.alerted for r in rows)
    caught = sum(r.alerted and r.fraud for r in rows)
    frauds = int(cols.y.sum())
    daily = (daily_precision_at_k(cols.y, cols.score, cols.account_id, cols.event_time_ms, k,
                                  day_offset_ms=utc_offset_minutes * 60_000) if rows else {})
    return Overall(
        transactions=len(rows), frauds=frauds, days=bank_days(rows, utc_offset_minutes),
        actions=dict(sorted(Counter(r.action for r in rows).items())), alerts=alerts,
        alert_precision=_ratio(caught, alerts), alert_recall=_ratio(caught, frauds),
        auc=roc_auc(cols.y, cols.score) if rows else math.nan,
        average_precision=average_precision(cols.y, cols.score) if rows else math.nan,
        precision_at_k=float(np.mean(list(daily.values()))) if daily else math.nan,
        daily_precision_at_k=daily,
        recall_at_budget=recall_at_budget(cols.y, cols.score, budget) if rows else math.nan,
        k=k, budget=budget)
