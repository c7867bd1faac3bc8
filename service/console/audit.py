"""The audit log: every login, view of a customer's data, verdict and action; append-only, exportable as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, insert, select

from schemas.times import from_ms
from service.console.models import AuditRow
from service.scope import Scope
from service.store.queries import in_subtree

EVENTS = ("login", "login_failed", "login_throttled", "logout", "view_alert", "assign", "verdict", "action",
          "audit_export")
CSV_COLUMNS = ("time_utc", "user", "client", "event", "target", "branch", "detail")


def record(connection: Connection, *, at_ms: int, username: str, client: str, event: str, target: str,
           branch_path: str | None = None, **detail: Any) -> None:
    """Append one entry inside the caller's transaction (so an action and its audit entry commit together)."""
    if event not in EVENTS:
        raise ValueError(f"audit event {event!r} is not one of {EVENTS}")
    connection.execute(insert(AuditRow).values(
        at_ms=at_ms, username=username[:64], client=client[:64], event=event, target=target,
        branch_path=branch_path, detail=orjson.dumps(detail, option=orjson.OPT_SORT_KEYS).decode()))


def append(engine: Engine, **entry: Any) -> None:
    with engine.begin() as connection:
        record(connection, **entry)


def entries(connection: Connection, scope: Scope, *, limit: int = 200, since_ms: int | None = None,
            ) -> list[Any]:
    """Newest first. Entries without a branch (logins, exports) are shown to whole-bank scopes only."""
    query = select(AuditRow.__table__).order_by(AuditRow.at_ms.desc(), AuditRow.id.desc()).limit(limit)
    if scope.prefix is not None:
        query = query.where(in_subtree(AuditRow.branch_path, scope))
    if since_ms is not None:
        query = query.where(AuditRow.at_ms >= since_ms)
    return list(connection.execute(query).all())


def to_csv(rows: list[Any]) -> Iterator[str]:
    """CSV lines (header first), times in UTC ISO 8601."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow((from_ms(row.at_ms).isoformat(timespec="milliseconds"),
                         row.username, row.client, row.event, row.target, row.branch_path or "", row.detail))
    yield buffer.getvalue()
