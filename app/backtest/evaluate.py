"""Per-rule, per-scenario and overall quality of one backtest run. Pure: columns in, plain dataclasses out.

Precision and recall are per transaction: a rule "hits" a transaction when it fires on it (active or
shadow), a hit is true when the transaction is fraud (see `truth`). Undefined ratios (no hits, no fraud)
are NaN here and `null` in the JSON report.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from app.backtest.rows import ACTIONS, Columns, bank_days
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


def rule_stats(cols: Columns, rule_ids: Iterable[str], *, days: int) -> list[RuleStats]:
    """One entry per rule in `rule_ids` (zero-hit rules included, they are news too), then any other rule
    that fired (e.g. from a scope), in the order given."""
    frauds = int(cols.y.sum())
    empty = np.zeros(0, dtype=np.int64)
    ordered = list(dict.fromkeys([*rule_ids, *cols.active, *cols.shadow]))
    stats = []
    for rid in ordered:
        active, shadow = cols.active.get(rid, empty), cols.shadow.get(rid, empty)
        hits = len(active) + len(shadow)
        fraud_hits = int(cols.y[active].sum() + cols.y[shadow].sum())
        stats.append(RuleStats(rule_id=rid, hits=hits, shadow_hits=len(shadow), fraud_hits=fraud_hits,
                               hit_rate=_ratio(hits, len(cols)), precision=_ratio(fraud_hits, hits),
                               recall=_ratio(fraud_hits, frauds), alerts_per_day=_ratio(hits, days)))
    return stats


@dataclass(frozen=True)
class ScenarioStats:
    """How much of one scenario's fraud (or, for `genuine`, of the genuine traffic) is not ALLOWed."""

    scenario: str
    transactions: int
    alerted: int
    rate: float


def scenario_stats(cols: Columns) -> list[ScenarioStats]:
    """Per scenario tag (fraud without a tag: `untagged`), plus `genuine`; sorted by name."""
    alerted = cols.alerted
    groups = {GENUINE: cols.y == 0}
    fraud = cols.y == 1
    for code in np.unique(cols.scenario[fraud]):
        name = cols.scenarios[code] if code >= 0 else UNTAGGED
        groups[name] = fraud & (cols.scenario == code)
    stats = [(name, int(mask.sum()), int(alerted[mask].sum())) for name, mask in groups.items()]
    return [ScenarioStats(name, total, hit, _ratio(hit, total)) for name, total, hit in sorted(stats) if total]


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


def overall(cols: Columns, *, k: int, budget: float, utc_offset_minutes: int) -> Overall:
    """Whole-run numbers; the ranking metrics use the decision `score` (rules, or rules + model)."""
    n = len(cols)
    alerted = cols.alerted
    alerts = int(alerted.sum())
    caught = int((alerted & (cols.y == 1)).sum())
    frauds = int(cols.y.sum())
    daily = (daily_precision_at_k(cols.y, cols.score, cols.account_id, cols.event_time_ms, k,
                                  day_offset_ms=utc_offset_minutes * 60_000) if n else {})
    codes, counts = np.unique(cols.action, return_counts=True)
    return Overall(
        transactions=n, frauds=frauds, days=bank_days(cols.event_time_ms, utc_offset_minutes),
        actions=dict(sorted((ACTIONS[c], int(m)) for c, m in zip(codes, counts, strict=True))), alerts=alerts,
        alert_precision=_ratio(caught, alerts), alert_recall=_ratio(caught, frauds),
        auc=roc_auc(cols.y, cols.score) if n else math.nan,
        average_precision=average_precision(cols.y, cols.score) if n else math.nan,
        precision_at_k=float(np.mean(list(daily.values()))) if daily else math.nan,
        daily_precision_at_k=daily,
        recall_at_budget=recall_at_budget(cols.y, cols.score, budget) if n else math.nan,
        k=k, budget=budget)
