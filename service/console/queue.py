"""The alert queue: open alerts in a scope, highest risk first, with the filters an analyst narrows it by."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, and_, exists, func, or_, select

from service.console.models import AlertWorkRow
from service.scope import Scope
from service.store.models import AlertRow, DecisionRow, RuleHitRow
from service.store.queries import in_subtree
from service.store.rows import record

SCAN_MAX = 2000  # rows read before the amount filter (amounts are kept in the record only)


@dataclass(frozen=True)
class QueueFilters:
    action: str | None = None
    rule: str | None = None
    channel: str | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    since_ms: int | None = None
    until_ms: int | None = None


@dataclass(frozen=True)
class Queue:
    items: list[dict[str, Any]]
    counts: dict[str, int] = field(default_factory=dict)
    total_open: int = 0
    oldest_open_stored_ms: int | None = None


def _open() -> Any:
    return or_(AlertWorkRow.status.is_(None), AlertWorkRow.status != "closed")


def _amount(text: Any) -> Decimal | None:
    try:
        return Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None


def _in_amount(item: dict[str, Any], filters: QueueFilters) -> bool:
    if filters.min_amount is None and filters.max_amount is None:
        return True
    amount = _amount(item.get("amount"))
    if amount is None:
        return False
    return ((filters.min_amount is None or amount >= filters.min_amount)
            and (filters.max_amount is None or amount <= filters.max_amount))


def open_alerts(connection: Connection, scope: Scope, filters: QueueFilters, *, limit: int = 100) -> Queue:
    """Open alerts (no verdict closed them) in `scope`, by score then age; counts per action over the scope."""
    base = (select(AlertRow.alert_id, AlertRow.record, AlertRow.stored_at_ms, AlertWorkRow.assignee,
                   AlertWorkRow.status)
            .select_from(AlertRow)
            .outerjoin(AlertWorkRow, AlertWorkRow.alert_id == AlertRow.alert_id))
    where = [in_subtree(AlertRow.branch_path, scope), _open()]
    if filters.action:
        where.append(AlertRow.action == filters.action)
    if filters.rule:
        where.append(exists().where(RuleHitRow.transaction_id == AlertRow.transaction_id,
                                    RuleHitRow.rule_id == filters.rule))
    if filters.channel:
        where.append(exists().where(and_(DecisionRow.transaction_id == AlertRow.transaction_id,
                                         DecisionRow.channel == filters.channel)))
    if filters.since_ms is not None:
        where.append(AlertRow.event_time_ms >= filters.since_ms)
    if filters.until_ms is not None:
        where.append(AlertRow.event_time_ms < filters.until_ms)
    rows = connection.execute(base.where(*where).order_by(AlertRow.score.desc(), AlertRow.event_time_ms.asc(),
                                                          AlertRow.alert_id).limit(SCAN_MAX)).all()
    items = []
    for row in rows:
        item = {**record(row.record), "assignee": row.assignee, "status": row.status or "open",
                "stored_at_ms": row.stored_at_ms}
        if _in_amount(item, filters):
            items.append(item)
        if len(items) >= limit:
            break
    summary = connection.execute(
        select(AlertRow.action, func.count(), func.min(AlertRow.stored_at_ms)).select_from(AlertRow)
        .outerjoin(AlertWorkRow, AlertWorkRow.alert_id == AlertRow.alert_id)
        .where(in_subtree(AlertRow.branch_path, scope), _open()).group_by(AlertRow.action)).all()
    oldest = [row[2] for row in summary if row[2] is not None]
    return Queue(items, {row[0]: row[1] for row in summary}, sum(row[1] for row in summary),
                 min(oldest) if oldest else None)
