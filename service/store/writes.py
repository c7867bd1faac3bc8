"""Idempotent writes: every message is inserted under its natural key with ON CONFLICT DO NOTHING, so a
redelivered batch (the sink crashed after the store commit, before the offset commit) writes nothing twice.

The first copy of a decision wins. A re-emitted decision equals the first in every field but timings when
the worker restarted on its own state; after a rebalance to another worker its features may differ (see the
README's *Delivery*), and the store keeps the one the bank may already have acted on: the first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Table, case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from service.store import rows
from service.store.models import (
    AlertRow,
    Base,
    BlockRow,
    ControlPointerRow,
    DecisionRow,
    RuleHitRow,
    VersionSeenRow,
)

InsertFactory = Callable[[Table], Any]


def _table(model: type[Base]) -> Table:
    """The model's Table (`__table__` is typed as any FROM clause)."""
    return Base.metadata.tables[model.__tablename__]


def _insert_for(connection: Connection) -> InsertFactory:
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert


def _insert_new(connection: Connection, table: Table, values: Sequence[dict[str, Any]], keys: Sequence[str]) -> None:
    if not values:
        return
    statement: Insert = _insert_for(connection)(table).on_conflict_do_nothing(index_elements=list(keys))
    connection.execute(statement, list(values))


def _unique(values: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    """First row per key: a batch may hold a message twice (a producer retry)."""
    kept: dict[tuple[Any, ...], dict[str, Any]] = {}
    for value in values:
        kept.setdefault(tuple(value[k] for k in keys), value)
    return list(kept.values())


def _record_versions(connection: Connection, sightings: dict[tuple[str, str], rows.VersionSighting]) -> None:
    if not sightings:
        return
    table = _table(VersionSeenRow)
    statement = _insert_for(connection)(table)
    new = statement.excluded
    statement = statement.on_conflict_do_update(index_elements=["kind", "version"], set_={
        "first_seen_ms": case((new.first_seen_ms < table.c.first_seen_ms, new.first_seen_ms),
                              else_=table.c.first_seen_ms),
        "last_seen_ms": case((new.last_seen_ms > table.c.last_seen_ms, new.last_seen_ms),
                             else_=table.c.last_seen_ms),
        "decisions": table.c.decisions + new.decisions,
    })
    connection.execute(statement, [
        {"kind": kind, "version": version, "first_seen_ms": s.first_seen_ms, "last_seen_ms": s.last_seen_ms,
         "decisions": s.decisions} for (kind, version), s in sorted(sightings.items())])


def write(connection: Connection, batch: rows.Batch, now_ms: int) -> None:
    """Write one batch inside the caller's transaction."""
    decisions = _unique([rows.decision_row(d, now_ms) for d in batch.decisions], "transaction_id")
    if decisions:
        fresh = _new_keys(connection, _table(DecisionRow), "transaction_id", [d["transaction_id"] for d in decisions])
        _insert_new(connection, _table(DecisionRow), decisions, ["transaction_id"])
        kept = [d for d in batch.decisions if d.transaction_id in fresh]
        hits = [hit for decision in kept for hit in rows.rule_hit_rows(decision)]
        _insert_new(connection, _table(RuleHitRow), _unique(hits, "transaction_id", "rule_id"),
                    ["transaction_id", "rule_id"])
        _record_versions(connection, rows.versions_seen(_first_per_id(kept)))
    _insert_new(connection, _table(AlertRow), _unique([rows.alert_row(a, now_ms) for a in batch.alerts],
                                                        "alert_id"), ["alert_id"])
    _insert_new(connection, _table(BlockRow), _unique([rows.block_row(b, now_ms) for b in batch.blocks],
                                                        "command_id"), ["command_id"])
    _insert_new(connection, _table(ControlPointerRow), _unique(
        [p.__dict__ for p in batch.pointers], "kind", "published_at_ms"), ["kind", "published_at_ms"])


def write_batch(engine: Engine, batch: rows.Batch, now_ms: int) -> None:
    with engine.begin() as connection:
        write(connection, batch, now_ms)


def _first_per_id(decisions: list[Any]) -> list[Any]:
    seen: dict[str, Any] = {}
    for decision in decisions:
        seen.setdefault(decision.transaction_id, decision)
    return list(seen.values())


def _new_keys(connection: Connection, table: Table, column: str, keys: list[str]) -> set[str]:
    """Keys of `keys` not stored yet: only those count towards version sightings (a redelivery adds none)."""
    stored: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        stored.update(connection.execute(table.select().with_only_columns(table.c[column])
                                         .where(table.c[column].in_(chunk))).scalars())
    return set(keys) - stored
