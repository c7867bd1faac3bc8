"""Fill a decision store with many decisions fast, for query latency at bank scale (1 M stored decisions).

The store's own write path (parse, upsert, rule hits, versions) runs at a few thousand rows a second here,
so a million rows would take an hour; what the queries need is only the rows. So a few real decisions
(pipeline output) are cloned as rows directly -- fresh transaction ids, accounts, devices, four provinces,
times spread over a year, the record's JSON rewritten to match -- and written in chunks: SQLAlchemy Core
executemany into SQLite, `COPY … FROM STDIN` into PostgreSQL (psycopg 3), rule hits alongside.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Engine, text

from schemas.decision import Decision
from schemas.times import iso_utc
from service.store import rows
from service.store.models import DecisionRow, RuleHitRow

PROVINCES = ("44", "45", "33", "11")
CHUNK = 20_000
YEAR_MS = 365 * 86_400_000
DECISION_COLUMNS = [column.name for column in DecisionRow.__table__.columns]
HIT_COLUMNS = [column.name for column in RuleHitRow.__table__.columns]


@dataclass
class Picks:
    """What the query probes ask for: ids, accounts, devices and rules that exist in the loaded store."""

    transaction_ids: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    branches: list[str] = field(default_factory=list)
    rules: set[str] = field(default_factory=set)


def clones(templates: list[Decision], n: int, now_ms: int, picks: Picks,
           every: int = 997) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """Chunks of (decision rows, rule-hit rows) for `n` decisions cloned from `templates`; every `every`-th
    clone is remembered in `picks`."""
    bases = [(rows.decision_row(t, now_ms), orjson.loads(t.model_dump_json()), rows.rule_hit_rows(t))
             for t in templates]
    decisions: list[dict[str, Any]] = []
    hits: list[dict[str, Any]] = []
    for i in range(n):
        row, document, base_hits = bases[i % len(bases)]
        copy = i // len(bases)
        transaction_id, account = f"bulk{i:09d}", f"{row['account_id']}x{copy % 5000}"
        device = f"{row['device_id']}x{copy % 5000}" if row["device_id"] else None
        branch = PROVINCES[copy % len(PROVINCES)] + row["branch_path"][2:]
        at_ms = now_ms - (i * 7919) % YEAR_MS
        features = {**document["features"], "tx.account_id": account, "tx.device_id": device}
        record = {**document, "transaction_id": transaction_id, "account_id": account, "branch_path": branch,
                  "event_time": iso_utc(at_ms), "features": features}
        decisions.append({**row, "transaction_id": transaction_id, "account_id": account, "device_id": device,
                          "branch_path": branch, "event_time_ms": at_ms, "record": orjson.dumps(record).decode()})
        hits += [{**hit, "transaction_id": transaction_id, "event_time_ms": at_ms} for hit in base_hits]
        if i % every == 0:
            picks.transaction_ids.append(transaction_id)
            picks.accounts.append(account)
            picks.branches.append(branch)
            if device:
                picks.devices.append(device)
            picks.rules.update(hit["rule_id"] for hit in base_hits)
        if len(decisions) >= CHUNK:
            yield decisions, hits
            decisions, hits = [], []
    if decisions:
        yield decisions, hits


def load(engine: Engine, chunks: Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]) -> int:
    """Write every chunk, one transaction each; the rows written. Statistics are refreshed at the end, as a
    production store's autovacuum/ANALYZE would have them."""
    written = 0
    for decisions, hits in chunks:
        if engine.dialect.name == "postgresql":
            _copy(engine, decisions, hits)
        else:
            with engine.begin() as connection:  # the driver's executemany on tuples: no per-row binding in Python
                for table, columns, values in _tables(decisions, hits):
                    marks = ", ".join("?" * len(columns))
                    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - our names
                    connection.exec_driver_sql(statement, [tuple(value[c] for c in columns) for value in values])
        written += len(decisions)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    return written


def _tables(decisions: list[dict[str, Any]],
            hits: list[dict[str, Any]]) -> list[tuple[str, list[str], list[dict[str, Any]]]]:
    return [(str(DecisionRow.__tablename__), DECISION_COLUMNS, decisions),
            (str(RuleHitRow.__tablename__), HIT_COLUMNS, hits)]


def _copy(engine: Engine, decisions: list[dict[str, Any]], hits: list[dict[str, Any]]) -> None:
    connection = engine.raw_connection()
    try:
        with connection.cursor() as cursor:  # type: ignore[attr-defined]  # psycopg 3's cursor under SQLAlchemy
            for table, columns, values in _tables(decisions, hits):
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for value in values:
                        copy.write_row([value[c] for c in columns])
        connection.commit()
    finally:
        connection.close()
