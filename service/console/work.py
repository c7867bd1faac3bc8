"""Alert work: who holds an alert, its status (open, needs_info, closed) and verdict; no row = open, free.

Assignment is one conditional UPDATE, so two analysts clicking at once cannot both get the alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from service.console.exceptions import Forbidden
from service.console.models import AlertWorkRow

Status = Literal["open", "needs_info", "closed"]
Verdict = Literal["fraud", "genuine", "needs_info"]


@dataclass(frozen=True)
class Work:
    status: Status
    assignee: str | None
    verdict: str | None
    note: str | None
    updated_by: str | None
    updated_at_ms: int | None


FREE = Work("open", None, None, None, None, None)


def get(connection: Connection, alert_id: str) -> Work:
    row = connection.execute(select(AlertWorkRow.__table__).where(AlertWorkRow.alert_id == alert_id)).first()
    if row is None:
        return FREE
    return Work(row.status, row.assignee, row.verdict, row.note, row.updated_by, row.updated_at_ms)  # type: ignore[arg-type]  # status is one of Status by construction


def _ensure(connection: Connection, alert_id: str, branch_path: str, username: str, now_ms: int) -> None:
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    connection.execute(insert(AlertWorkRow).values(
        alert_id=alert_id, branch_path=branch_path, status="open", assignee=None, verdict=None, note=None,
        updated_by=username, updated_at_ms=now_ms).on_conflict_do_nothing(index_elements=["alert_id"]))


def assign(connection: Connection, alert_id: str, branch_path: str, username: str, now_ms: int) -> None:
    """Take the alert; Forbidden when another analyst holds it or it is closed."""
    _ensure(connection, alert_id, branch_path, username, now_ms)
    taken = connection.execute(update(AlertWorkRow).where(
        AlertWorkRow.alert_id == alert_id, AlertWorkRow.status != "closed",
        or_(AlertWorkRow.assignee.is_(None), AlertWorkRow.assignee == username),
    ).values(assignee=username, updated_by=username, updated_at_ms=now_ms))
    if taken.rowcount != 1:
        raise Forbidden(f"alert {alert_id} is closed or held by another analyst")


def conclude(connection: Connection, alert_id: str, branch_path: str, username: str, verdict: Verdict,
             note: str, now_ms: int) -> None:
    """Record the verdict: fraud or genuine closes the alert, needs_info keeps it open with the note."""
    _ensure(connection, alert_id, branch_path, username, now_ms)
    status: Status = "needs_info" if verdict == "needs_info" else "closed"
    done = connection.execute(update(AlertWorkRow).where(
        AlertWorkRow.alert_id == alert_id, AlertWorkRow.status != "closed",
        or_(AlertWorkRow.assignee.is_(None), AlertWorkRow.assignee == username),
    ).values(status=status, verdict=verdict, note=note, assignee=username, updated_by=username,
             updated_at_ms=now_ms))
    if done.rowcount != 1:
        raise Forbidden(f"alert {alert_id} is closed or held by another analyst")
