"""Read side of the store: paginated, filtered, scope-bounded queries. Plain data out, no HTTP.

Pages are newest first with keyset cursors (`(time, id)` of the last item), so page N costs what page 1 costs
on a table of any size. Every listing is bounded by a branch `Scope`; single-entity reads check it first.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, exists, func, or_, select, true, tuple_

from service.exceptions import NotFound, OutOfScope, QueryInvalid
from service.scope import Scope, key_range
from service.store.models import AlertRow, BlockRow, ControlPointerRow, DecisionRow, RuleHitRow, VersionSeenRow
from service.store.rows import record

MAX_LIMIT = 500
DAY_MS = 86_400_000
ENTITY_COLUMNS = {"account": DecisionRow.account_id, "device": DecisionRow.device_id,
                  "payee": DecisionRow.counterparty_id}
FEATURE_PREFIX = {"account": "account.", "device": "device.", "payee": "counterparty."}
LIST_OMITS = ("features", "timings_ms")  # large; the single-decision read returns them


@dataclass(frozen=True)
class Filters:
    since_ms: int | None = None  # inclusive
    until_ms: int | None = None  # exclusive
    action: str | None = None
    rule: str | None = None


@dataclass(frozen=True)
class Cursor:
    time_ms: int
    key: str

    def encode(self) -> str:
        return base64.urlsafe_b64encode(f"{self.time_ms}|{self.key}".encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            time_ms, key = raw.split("|", 1)
            return cls(int(time_ms), key)
        except (ValueError, UnicodeDecodeError) as err:
            raise QueryInvalid(f"cursor {text[:80]!r} is not one this API returned") from err


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


def in_subtree(column: Any, scope: Scope) -> ColumnElement[bool]:
    if scope.prefix is None:
        return true()
    low, high = key_range(scope.prefix)
    return or_(column == scope.prefix, and_(column >= low, column < high))


def _time_filters(column: Any, filters: Filters) -> list[ColumnElement[bool]]:
    where = []
    if filters.since_ms is not None:
        where.append(column >= filters.since_ms)
    if filters.until_ms is not None:
        where.append(column < filters.until_ms)
    return where


def _rule_filter(transaction_id: Any, rule: str | None) -> list[ColumnElement[bool]]:
    if rule is None:
        return []
    return [exists().where(RuleHitRow.transaction_id == transaction_id, RuleHitRow.rule_id == rule)]


def _paged(connection: Connection, query: Select[*tuple[Any, ...]], time_col: Any, key_col: Any,
           cursor: Cursor | None, limit: int, shape: Any) -> Page:
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryInvalid(f"limit {limit} is outside 1..{MAX_LIMIT}")
    if cursor is not None:
        query = query.where(tuple_(time_col, key_col) < tuple_(cursor.time_ms, cursor.key))
    result = connection.execute(query.order_by(time_col.desc(), key_col.desc()).limit(limit + 1)).all()
    items = [shape(row) for row in result[:limit]]
    more = len(result) > limit
    last = result[limit - 1] if more else None
    return Page(items, Cursor(last.time_ms, last.key).encode() if last is not None else None)


def _summary(row: Any) -> dict[str, Any]:
    document = record(row.record)
    for field in LIST_OMITS:
        document.pop(field, None)
    return document


def authorise_entity(connection: Connection, kind: str, entity_id: str, scope: Scope) -> None:
    """Visible when one of the entity's decisions lies in scope; 403 when it has decisions but none there."""
    column = ENTITY_COLUMNS[kind]
    if connection.execute(select(exists().where(column == entity_id,
                                                in_subtree(DecisionRow.branch_path, scope)))).scalar():
        return
    if connection.execute(select(exists().where(column == entity_id))).scalar():
        raise OutOfScope(f"{kind} {entity_id} belongs to branches outside this key's scope {scope}")
    raise NotFound(f"no decision stored for {kind} {entity_id}")


def get_decision(connection: Connection, transaction_id: str, scope: Scope) -> dict[str, Any]:
    row = connection.execute(select(DecisionRow.branch_path, DecisionRow.record)
                             .where(DecisionRow.transaction_id == transaction_id)).first()
    if row is None:
        raise NotFound(f"no decision stored for transaction {transaction_id}")
    if not scope.covers(row.branch_path):
        raise OutOfScope(f"transaction {transaction_id} is in branch {row.branch_path}, outside scope {scope}")
    return record(row.record)


def decisions_by_id(connection: Connection, transaction_ids: Sequence[str],
                    chunk: int = 500) -> dict[str, tuple[str, str]]:
    """transaction id -> (branch path, record) of those stored, for many ids at once (no scope check: the
    caller checks each)."""
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(transaction_ids), chunk):
        rows = connection.execute(select(DecisionRow.transaction_id, DecisionRow.branch_path, DecisionRow.record)
                                  .where(DecisionRow.transaction_id.in_(transaction_ids[start:start + chunk])))
        found.update((row.transaction_id, (row.branch_path, row.record)) for row in rows)
    return found


def list_decisions(connection: Connection, scope: Scope, filters: Filters, *, cursor: Cursor | None = None,
                   limit: int = 100, entity: tuple[str, str] | None = None) -> Page:
    """With a `rule`, the page walks that rule's hits in time order (index rule_id, time) and joins each to its
    decision: a common rule fills the page at once, a rare one has few hits to walk."""
    ordered = RuleHitRow if filters.rule is not None else DecisionRow
    where = [in_subtree(DecisionRow.branch_path, scope), *_time_filters(ordered.event_time_ms, filters)]
    if filters.rule is not None:
        where.append(RuleHitRow.rule_id == filters.rule)
    if filters.action is not None:
        where.append(DecisionRow.action == filters.action)
    if entity is not None:
        where.append(ENTITY_COLUMNS[entity[0]] == entity[1])
    query = select(ordered.event_time_ms.label("time_ms"), ordered.transaction_id.label("key"), DecisionRow.record)
    if filters.rule is not None:
        query = query.select_from(RuleHitRow).join(DecisionRow, DecisionRow.transaction_id == RuleHitRow.transaction_id)
    return _paged(connection, query.where(*where), ordered.event_time_ms, ordered.transaction_id, cursor, limit,
                  _summary)


def list_alerts(connection: Connection, scope: Scope, filters: Filters, *, cursor: Cursor | None = None,
                limit: int = 100, account_id: str | None = None) -> Page:
    where = [in_subtree(AlertRow.branch_path, scope), *_time_filters(AlertRow.event_time_ms, filters),
             *_rule_filter(AlertRow.transaction_id, filters.rule)]
    if filters.action is not None:
        where.append(AlertRow.action == filters.action)
    if account_id is not None:
        where.append(AlertRow.account_id == account_id)
    query = select(AlertRow.event_time_ms.label("time_ms"), AlertRow.alert_id.label("key"),
                   AlertRow.record).where(*where)
    return _paged(connection, query, AlertRow.event_time_ms, AlertRow.alert_id, cursor, limit,
                  lambda row: record(row.record))


def active_blocks(connection: Connection, scope: Scope, filters: Filters, now_ms: int, *,
                  cursor: Cursor | None = None, limit: int = 100, target_id: str | None = None) -> Page:
    """Blocks not yet expired. A block's branch is its transaction's (a block command carries none); one
    whose decision is not stored yet is visible to whole-bank keys only."""
    where = [or_(BlockRow.expires_at_ms.is_(None), BlockRow.expires_at_ms > now_ms),
             *_time_filters(BlockRow.issued_at_ms, filters), *_rule_filter(BlockRow.transaction_id, filters.rule)]
    if scope.prefix is not None:
        where.append(in_subtree(DecisionRow.branch_path, scope))
    if filters.action is not None:
        where.append(BlockRow.action == filters.action)
    if target_id is not None:
        where.append(BlockRow.target_id == target_id)
    query = (select(BlockRow.issued_at_ms.label("time_ms"), BlockRow.command_id.label("key"), BlockRow.record,
                    DecisionRow.branch_path)
             .select_from(BlockRow).outerjoin(DecisionRow, DecisionRow.transaction_id == BlockRow.transaction_id)
             .where(*where))
    return _paged(connection, query, BlockRow.issued_at_ms, BlockRow.command_id, cursor, limit,
                  lambda row: {**record(row.record), "branch_path": row.branch_path})


def entity_profile(connection: Connection, kind: str, entity_id: str, scope: Scope, now_ms: int,
                   window_days: int = 30) -> dict[str, Any]:
    """The entity as its last decision in scope saw it: that decision's feature snapshot for this entity
    (what the pipeline's state held one transaction ago), its actions over `window_days`, its active blocks."""
    authorise_entity(connection, kind, entity_id, scope)
    column = ENTITY_COLUMNS[kind]
    in_scope = [column == entity_id, in_subtree(DecisionRow.branch_path, scope)]
    last = connection.execute(select(DecisionRow.record).where(*in_scope)
                              .order_by(DecisionRow.event_time_ms.desc(), DecisionRow.transaction_id.desc())
                              .limit(1)).scalar_one()
    decision = record(last)
    prefix = FEATURE_PREFIX[kind]
    counts = connection.execute(select(DecisionRow.action, func.count()).where(
        *in_scope, DecisionRow.event_time_ms >= now_ms - window_days * DAY_MS).group_by(DecisionRow.action)).all()
    blocks = active_blocks(connection, scope, Filters(), now_ms, limit=MAX_LIMIT, target_id=entity_id).items
    return {
        "kind": kind, "id": entity_id, "source": "last_decision_snapshot", "as_of": decision["event_time"],
        "features": {name: value for name, value in decision["features"].items() if name.startswith(prefix)},
        "last_decision": {k: decision.get(k) for k in ("transaction_id", "event_time", "action", "score",
                                                       "reason_codes", "branch_path", "ruleset_version",
                                                       "model_version")},
        f"actions_last_{window_days}d": {action: n for action, n in counts},
        "active_blocks": blocks,
    }


def versions(connection: Connection) -> dict[str, Any]:
    """Active version per kind, with the history of activations (control topic) and of what decisions carried.

    Active is the newest verified activation on the control topic; without one (no admin token configured
    on the service, or nothing published yet) the newest unverified one, else the version on the newest decision.
    """
    pointers = connection.execute(select(ControlPointerRow).order_by(ControlPointerRow.published_at_ms.desc())
                                  ).all()
    seen = connection.execute(select(VersionSeenRow).order_by(VersionSeenRow.last_seen_ms.desc())).all()
    active: dict[str, dict[str, Any]] = {}
    for pointer in sorted(pointers, key=lambda p: (p.verified, p.published_at_ms), reverse=True):
        active.setdefault(pointer.kind, {"version": pointer.version, "source": "control",
                                         "verified": pointer.verified, "since_ms": pointer.published_at_ms})
    for sighting in seen:
        active.setdefault(sighting.kind, {"version": sighting.version, "source": "decisions",
                                          "verified": None, "since_ms": sighting.first_seen_ms})
    return {
        "active": active,
        "activations": [{"kind": p.kind, "version": p.version, "published_at_ms": p.published_at_ms,
                         "author": p.author, "note": p.note, "verified": p.verified} for p in pointers],
        "seen_on_decisions": [{"kind": s.kind, "version": s.version, "first_seen_ms": s.first_seen_ms,
                               "last_seen_ms": s.last_seen_ms, "decisions": s.decisions} for s in seen],
    }


def counts(connection: Connection, tables: Sequence[Any] = (DecisionRow, AlertRow, BlockRow)) -> dict[str, int]:
    return {t.__tablename__: connection.execute(select(func.count()).select_from(t)).scalar_one() for t in tables}
