"""One alert as an analyst works it: the transaction and decision, the account's recent timeline, the other
accounts on the same device or payee, and the blocks in force. Scope is checked before anything is read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, distinct, func, select

from service.console.access import User
from service.console.exceptions import AlertNotFound
from service.console.publish import LIFT_REASON
from service.store.models import AlertRow, BlockRow, DecisionRow
from service.store.queries import in_subtree
from service.store.rows import record

TIMELINE_LIMIT = 20
LINKED_LIMIT = 20
# Account events are not stored; the decision's snapshot says how long before the transaction each happened.
EVENT_FEATURES = ("password_reset", "phone_changed", "device_bound", "payee_added", "limit_changed",
                  "login_failure", "login_success")


@dataclass(frozen=True)
class Linked:
    via: str  # device or payee
    entity_id: str
    accounts: list[str]  # in the viewer's scope
    outside_scope: int  # accounts elsewhere: counted, never named


def alert_branch(connection: Connection, alert_id: str) -> tuple[str, dict[str, Any]]:
    row = connection.execute(select(AlertRow.branch_path, AlertRow.record).where(AlertRow.alert_id == alert_id)
                             ).first()
    if row is None:
        raise AlertNotFound(f"no alert {alert_id}")
    return row.branch_path, record(row.record)


def decision(connection: Connection, transaction_id: str) -> dict[str, Any] | None:
    raw = connection.execute(select(DecisionRow.record).where(DecisionRow.transaction_id == transaction_id)
                             ).scalar()
    return None if raw is None else record(raw)


def timeline(connection: Connection, user: User, account_id: str) -> list[dict[str, Any]]:
    """The account's newest decisions in scope (each with whether it raised an alert)."""
    rows = connection.execute(
        select(DecisionRow.record, select(func.count()).select_from(AlertRow)
               .where(AlertRow.transaction_id == DecisionRow.transaction_id).scalar_subquery().label("alerts"))
        .where(DecisionRow.account_id == account_id, in_subtree(DecisionRow.branch_path, user.scope))
        .order_by(DecisionRow.event_time_ms.desc()).limit(TIMELINE_LIMIT)).all()
    out = []
    for row in rows:
        doc = record(row.record)
        out.append({key: doc.get(key) for key in ("transaction_id", "event_time", "amount", "channel", "action",
                                                   "score", "branch_path")}
                   | {"alerted": bool(row.alerts), "payee": doc.get("features", {}).get("tx.counterparty_id"),
                      "device": doc.get("features", {}).get("tx.device_id")})
    return out


def account_events(features: dict[str, Any]) -> list[tuple[str, float]]:
    """(event kind, minutes before the transaction) from the snapshot, nearest first."""
    found = [(kind, features[f"account.minutes_since_{kind}"]) for kind in EVENT_FEATURES
             if isinstance(features.get(f"account.minutes_since_{kind}"), int | float)]
    return sorted(found, key=lambda pair: pair[1])


def linked(connection: Connection, user: User, account_id: str, device_id: str | None,
           payee_id: str | None) -> list[Linked]:
    out = []
    for via, column, entity in (("device", DecisionRow.device_id, device_id),
                                ("payee", DecisionRow.counterparty_id, payee_id)):
        if not entity:
            continue
        others = DecisionRow.account_id != account_id
        names = connection.execute(select(DecisionRow.account_id).distinct().where(
            column == entity, others, in_subtree(DecisionRow.branch_path, user.scope))
            .order_by(DecisionRow.account_id).limit(LINKED_LIMIT)).scalars().all()
        total = connection.execute(select(func.count(distinct(DecisionRow.account_id)))
                                   .where(column == entity, others)).scalar() or 0
        in_scope = connection.execute(select(func.count(distinct(DecisionRow.account_id))).where(
            column == entity, others, in_subtree(DecisionRow.branch_path, user.scope))).scalar() or 0
        out.append(Linked(via, entity, list(names), total - in_scope))
    return out


def blocks(connection: Connection, targets: list[str], now_ms: int) -> list[dict[str, Any]]:
    """Blocks in force on these targets: unexpired, and not lifted by a later lift of the same action."""
    rows = connection.execute(select(BlockRow.record).where(BlockRow.target_id.in_([t for t in targets if t]))
                              .order_by(BlockRow.issued_at_ms)).scalars().all()
    active: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in rows:
        doc = record(raw)
        key = (doc["action"], doc["target_id"])
        if LIFT_REASON in doc.get("reason_codes", []):
            active.pop(key, None)
            continue
        expires = doc.get("expires_at")
        if expires is None or _ms(expires) > now_ms:
            active[key] = doc
        else:
            active.pop(key, None)
    return list(active.values())


def _ms(iso: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(iso).timestamp() * 1000)
