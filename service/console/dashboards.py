"""Supervisor dashboards: decisions by action over time, alert volume and verdict precision per rule and per
branch, open-alert ageing, and the active versions with who published them. All bounded by the scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, case, func, select

from service.console.models import AlertWorkRow
from service.scope import Scope
from service.store import queries
from service.store.models import AlertRow, DecisionRow, RuleHitRow
from service.store.queries import in_subtree

HOUR_MS = 3_600_000
HOURS = 24
AGE_BUCKETS_H = ((0, 1), (1, 4), (4, 24), (24, 168), (168, None))
ACTIONS = ("ALLOW", "CHALLENGE", "REVIEW", "BLOCK")


@dataclass(frozen=True)
class Precision:
    key: str
    alerts: int
    fraud: int
    genuine: int

    @property
    def precision(self) -> float | None:
        judged = self.fraud + self.genuine
        return self.fraud / judged if judged else None


def decisions_by_hour(connection: Connection, scope: Scope) -> tuple[int | None, list[dict[str, int]]]:
    """The last `HOURS` hours of decisions before the newest one in scope: per hour, a count per action."""
    newest = connection.execute(select(func.max(DecisionRow.event_time_ms))
                                .where(in_subtree(DecisionRow.branch_path, scope))).scalar()
    if newest is None:
        return None, []
    end_hour = newest // HOUR_MS
    start_ms = (end_hour - HOURS + 1) * HOUR_MS
    hour = DecisionRow.event_time_ms // HOUR_MS
    rows = connection.execute(select(hour.label("hour"), DecisionRow.action, func.count())
                              .where(in_subtree(DecisionRow.branch_path, scope), DecisionRow.event_time_ms >= start_ms)
                              .group_by(hour, DecisionRow.action)).all()
    series = {h: dict.fromkeys(ACTIONS, 0) for h in range(end_hour - HOURS + 1, end_hour + 1)}
    for h, action, n in rows:
        if int(h) in series:
            series[int(h)][action] = series[int(h)].get(action, 0) + n
    return start_ms, [{"hour_ms": h * HOUR_MS, **counts} for h, counts in sorted(series.items())]


def _verdicts() -> tuple[Any, Any]:
    return (func.sum(case((AlertWorkRow.verdict == "fraud", 1), else_=0)),
            func.sum(case((AlertWorkRow.verdict == "genuine", 1), else_=0)))


def per_rule(connection: Connection, scope: Scope, limit: int = 20) -> list[Precision]:
    fraud, genuine = _verdicts()
    rows = connection.execute(
        select(RuleHitRow.rule_id, func.count(), fraud, genuine).select_from(AlertRow)
        .join(RuleHitRow, RuleHitRow.transaction_id == AlertRow.transaction_id)
        .outerjoin(AlertWorkRow, AlertWorkRow.alert_id == AlertRow.alert_id)
        .where(in_subtree(AlertRow.branch_path, scope), RuleHitRow.shadow.is_(False))
        .group_by(RuleHitRow.rule_id).order_by(func.count().desc()).limit(limit)).all()
    return [Precision(rule, n, int(f or 0), int(g or 0)) for rule, n, f, g in rows]


def per_branch(connection: Connection, scope: Scope, limit: int = 20) -> list[Precision]:
    """Alerts per branch one level below the scope (counties under a city, and so on)."""
    fraud, genuine = _verdicts()
    rows = connection.execute(
        select(AlertRow.branch_path, func.count(), fraud, genuine).select_from(AlertRow)
        .outerjoin(AlertWorkRow, AlertWorkRow.alert_id == AlertRow.alert_id)
        .where(in_subtree(AlertRow.branch_path, scope)).group_by(AlertRow.branch_path)).all()
    depth = 0 if scope.prefix is None else scope.prefix.count("/") + 1
    rolled: dict[str, list[int]] = {}
    for path, n, f, g in rows:
        key = "/".join(path.split("/")[:depth + 1])
        totals = rolled.setdefault(key, [0, 0, 0])
        totals[0] += n
        totals[1] += int(f or 0)
        totals[2] += int(g or 0)
    ranked = sorted(rolled.items(), key=lambda item: -item[1][0])[:limit]
    return [Precision(key, *totals) for key, totals in ranked]


def open_ageing(connection: Connection, scope: Scope, now_ms: int) -> list[dict[str, Any]]:
    """Open alerts by how long they have waited in the queue (since the store received them)."""
    age = now_ms - AlertRow.stored_at_ms
    buckets = [func.sum(case(((age >= low * HOUR_MS) & (age < high * HOUR_MS) if high is not None
                              else (age >= low * HOUR_MS), 1), else_=0)) for low, high in AGE_BUCKETS_H]
    counts = connection.execute(
        select(*buckets).select_from(AlertRow).outerjoin(AlertWorkRow, AlertWorkRow.alert_id == AlertRow.alert_id)
        .where(in_subtree(AlertRow.branch_path, scope),
               (AlertWorkRow.status.is_(None)) | (AlertWorkRow.status != "closed"))).one()
    return [{"low_h": low, "high_h": high, "count": int(n or 0)}
            for (low, high), n in zip(AGE_BUCKETS_H, counts, strict=True)]


def versions(connection: Connection) -> dict[str, Any]:
    return queries.versions(connection)
