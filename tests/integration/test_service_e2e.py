"""A real worker decides, the risk service stores its output in PostgreSQL, and the API answers with it."""

from __future__ import annotations

import asyncio

from app.settings import Settings
from service.store.api_keys import create_key
from service.store.engine import migrate, open_engine
from tests.conftest import record_traffic
from tests.integration.harness import WorkerProcess, consume, produce, values
from tests.integration.service_harness import RunningService
from tests.integration.traffic import encode, transaction

COUNT = 40


def test_a_workers_decisions_reach_the_query_api(kafka_bootstrap, unique_prefix, tmp_path, postgres_store):
    worker = WorkerProcess("w1", kafka_bootstrap, unique_prefix, tmp_path, partitions=2, engine="quix").start()
    try:
        worker.wait_healthy()
        docs = [transaction(n, accounts=6, amount="60000.00" if n % 4 == 0 else f"{n + 10}.00") for n in range(COUNT)]
        record_traffic("transactions", asyncio.run(produce(kafka_bootstrap, f"{unique_prefix}transactions",
                                                           [encode(d) for d in docs])))
        published = values(asyncio.run(consume(kafka_bootstrap, f"{unique_prefix}risk-decisions",
                                               lambda r: len(r) >= COUNT, timeout_s=60)))
    finally:
        worker.stop()
    assert len(published) == COUNT, worker.tail()
    engine = open_engine(postgres_store)
    migrate(engine)
    key = create_key(engine, "e2e", "44/4401", 0)
    settings = Settings(bootstrap_servers=kafka_bootstrap, topic_prefix=unique_prefix, store_url=postgres_store,
                        app_id=f"{unique_prefix}svc".lower(), sink_batch_wait_ms=50)
    with RunningService(settings) as service:
        service.wait_for(lambda: len(service.get("/v1/decisions", key, limit=500).json()["items"]) >= COUNT)
        blocked = next(d for d in published if d["action"] == "BLOCK")
        stored = service.get(f"/v1/decisions/{blocked['transaction_id']}", key).json()
        service.wait_for(lambda: service.get("/v1/blocks", key, target=blocked["transaction_id"]).json()["items"])
        [block] = service.get("/v1/blocks", key, target=blocked["transaction_id"]).json()["items"]
        profile = service.get(f"/v1/entities/account/{blocked['account_id']}/profile", key).json()
    engine.dispose()
    for field in ("action", "score", "reason_codes", "rule_hits", "features", "ruleset_version"):
        assert stored[field] == blocked[field], field
    assert (block["action"], block["branch_path"]) == ("block_transaction", blocked["branch_path"])
    newest = max((d for d in published if d["account_id"] == blocked["account_id"]),
                 key=lambda d: (d["event_time"], d["transaction_id"]))
    assert profile["last_decision"]["transaction_id"] == newest["transaction_id"]
