"""The decision store on both of its databases: the embedded SQLite default and a real PostgreSQL server."""

from __future__ import annotations

import orjson
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from service.console import models as _console_models  # noqa: F401  (the console's tables are in Base too)
from service.scope import Scope
from service.store import queries, writes
from service.store.engine import current_revision, migrate, open_engine
from service.store.models import Base
from service.store.queries import Cursor, Filters
from tests.servicedata import batch, pipeline_output


def test_the_migrations_build_exactly_the_models(store_url):
    engine = open_engine(store_url)
    migrate(engine)
    migrate(engine)  # at head: a second start changes nothing
    assert current_revision(engine) == "0003"  # the newest migration
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()


def test_writes_are_idempotent_and_queries_agree_with_the_records(store_url):
    engine = open_engine(store_url)
    migrate(engine)
    out = pipeline_output()
    writes.write_batch(engine, batch(), now_ms=1)
    writes.write_batch(engine, batch(), now_ms=2)  # a redelivered batch
    expected = {d["transaction_id"] for d in out["decisions"] if d["branch_path"].startswith("44/4401/")}
    rule = next(h["rule_id"] for d in out["decisions"] for h in d["rule_hits"])
    with engine.connect() as connection:
        assert queries.counts(connection) == {"decisions": len(out["decisions"]), "alerts": len(out["alerts"]),
                                              "block_commands": len(out["blocks"])}
        seen, cursor = [], None
        while True:  # subtree listing through keyset pages (a byte-order range scan on both stores)
            page = queries.list_decisions(connection, Scope("44/4401"), Filters(), cursor=cursor, limit=9)
            seen += [item["transaction_id"] for item in page.items]
            if page.next_cursor is None:
                break
            cursor = Cursor.decode(page.next_cursor)
        by_rule = queries.list_decisions(connection, Scope(None), Filters(rule=rule, action="BLOCK"), limit=500)
        versions = queries.versions(connection)
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))
    assert {item["transaction_id"] for item in by_rule.items} == {
        d["transaction_id"] for d in out["decisions"]
        if d["action"] == "BLOCK" and rule in {h["rule_id"] for h in d["rule_hits"]}}
    assert sum(v["decisions"] for v in versions["seen_on_decisions"] if v["kind"] == "ruleset") == len(
        out["decisions"])
    engine.dispose()


def test_a_record_postgresql_cannot_hold_is_refused_alone_and_the_rest_stored(postgres_store):
    from app.settings import Settings
    from service.parse import Consumed
    from service.sink import STORE_REJECTED, StoreSink

    engine = open_engine(postgres_store)
    migrate(engine)
    decisions = pipeline_output()["decisions"][:20]
    too_long = {**decisions[3], "rule_hits": [{**decisions[3]["rule_hits"][0], "rule_id": "R" * 200}]
                if decisions[3]["rule_hits"] else [{"rule_id": "R" * 200, "reason_code": "X", "action": "BLOCK"}]}
    consumed = [Consumed("risk-decisions", 0, n, None, orjson.dumps(d))
                for n, d in enumerate([*decisions[:3], too_long, *decisions[4:]])]
    refused = StoreSink(Settings(store_url=postgres_store), engine).store(consumed, now_ms=1)
    assert [(message.offset, rejection.code) for message, rejection in refused] == [(3, STORE_REJECTED)]
    with engine.connect() as connection:
        assert queries.counts(connection)["decisions"] == len(decisions) - 1
    engine.dispose()
