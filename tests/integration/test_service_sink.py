"""The risk service on the real broker: the sink writes real pipeline output into SQLite and PostgreSQL,
dead-letters what it cannot take, writes nothing twice on redelivery, and the API answers within scope."""

from __future__ import annotations

import asyncio

import orjson
from sqlalchemy import select

from app.control.records import ControlRecord, sign
from app.settings import Settings
from app.topics import ensure_topics
from service.store import queries
from service.store.api_keys import create_key
from service.store.engine import migrate, open_engine
from service.store.models import DecisionRow
from tests.conftest import record_traffic
from tests.integration.harness import ADMIN_TOKEN, consume, produce, values
from tests.integration.service_harness import RunningService
from tests.servicedata import pipeline_output


def _settings(bootstrap: str, prefix: str, store_url: str, group: str) -> Settings:
    return Settings(bootstrap_servers=bootstrap, topic_prefix=prefix, partitions=2, store_url=store_url,
                    app_id=f"{prefix}{group}".lower(), admin_token=ADMIN_TOKEN, sink_batch_wait_ms=50,
                    session_timeout_s=6)


def _publish(settings: Settings) -> int:
    out = pipeline_output()
    names = settings.topic_names()
    decisions = [(d["account_id"].encode(), orjson.dumps(d)) for d in out["decisions"]]
    pointer = sign(ControlRecord(kind="ruleset", version="r-live", author="ana", published_at_ms=1), ADMIN_TOKEN)
    sent = asyncio.run(produce(settings.bootstrap_servers, names.decisions,
                               decisions + decisions[:10] + [(b"acc0001", b"{oops")]))  # producer retries + junk
    sent += asyncio.run(produce(settings.bootstrap_servers, names.alerts,
                                [(a["account_id"].encode(), orjson.dumps(a)) for a in out["alerts"]]))
    sent += asyncio.run(produce(settings.bootstrap_servers, names.blocks,
                                [(b["target_id"].encode(), orjson.dumps(b)) for b in out["blocks"]]))
    sent += asyncio.run(produce(settings.bootstrap_servers, names.control,
                                [(pointer.pointer_key().encode(), pointer.model_dump_json().encode())]))
    record_traffic("service sink inputs", sent)
    return sent


def test_the_sink_stores_everything_once_and_the_api_answers_within_scope(kafka_bootstrap, unique_prefix,
                                                                         store_url):
    settings = _settings(kafka_bootstrap, unique_prefix, store_url, "a")
    asyncio.run(ensure_topics(settings))
    sent = _publish(settings)
    engine = open_engine(store_url)
    migrate(engine)
    bank, guangdong = create_key(engine, "bank", "*", 0), create_key(engine, "gd", "44", 0)
    out = pipeline_output()
    other = next(d for d in out["decisions"] if d["branch_path"].startswith("45/"))

    with RunningService(settings) as service:
        service.wait_for(lambda: service.app.state.sink.stats.records >= sent)
        with engine.connect() as connection:
            assert queries.counts(connection) == {"decisions": len(out["decisions"]), "alerts": len(out["alerts"]),
                                                  "block_commands": len(out["blocks"])}
        assert service.app.state.sink.stats.dead_letters == {"invalid_json": 1}
        assert service.get(f"/v1/decisions/{other['transaction_id']}", bank).json()["rule_hits"] == other[
            "rule_hits"]
        assert service.get(f"/v1/decisions/{other['transaction_id']}", guangdong).status_code == 403
        assert service.get(f"/v1/accounts/{other['account_id']}/alerts", guangdong).status_code == 403
        assert service.get("/v1/decisions", guangdong, branch="45").status_code == 403
        mine = service.get("/v1/decisions", guangdong, limit=500).json()["items"]
        assert {d["transaction_id"] for d in mine} == {d["transaction_id"] for d in out["decisions"]
                                                      if d["branch_path"].startswith("44/")}
        active = service.get("/v1/versions", guangdong).json()["active"]["ruleset"]
        assert (active["version"], active["verified"]) == ("r-live", True)

    dead = values(asyncio.run(consume(kafka_bootstrap, settings.topic_names().dead_letter, lambda r: len(r) >= 1,
                                      timeout_s=20)))
    assert [(d["error"]["code"], d["source_topic"]) for d in dead] == [("invalid_json",
                                                                         settings.topic_names().decisions)]
    with engine.connect() as connection:
        first_stored = dict(connection.execute(select(DecisionRow.transaction_id, DecisionRow.stored_at_ms)).all())

    # Redelivery of everything: a sink in a new consumer group reads the topics again from the start.
    again = _settings(kafka_bootstrap, unique_prefix, store_url, "b")
    with RunningService(again) as service:
        service.wait_for(lambda: service.app.state.sink.stats.records >= sent)
    with engine.connect() as connection:
        assert queries.counts(connection)["decisions"] == len(out["decisions"])
        assert dict(connection.execute(select(DecisionRow.transaction_id, DecisionRow.stored_at_ms)).all()) == (
            first_stored)
    engine.dispose()
