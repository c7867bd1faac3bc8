"""Publish v2 while traffic flows: decisions switch without a restart, nothing is lost; rollback → v1."""

from __future__ import annotations

import asyncio
import threading
import time

import orjson

from app.control.publish import activate, publish
from app.rulesets import bundle
from app.settings import Settings
from risk.rules import compile_ruleset, parse_ruleset
from tests.conftest import record_traffic
from tests.integration.harness import ADMIN_TOKEN, WorkerProcess, consume, produce, values
from tests.integration.traffic import encode, transaction


def test_publish_and_rollback_switch_every_worker_without_restart(engine, kafka_bootstrap, unique_prefix, tmp_path):
    settings = Settings(bootstrap_servers=kafka_bootstrap, topic_prefix=unique_prefix, admin_token=ADMIN_TOKEN)
    v1_text = bundle(settings.ruleset_path)
    v2_text = v1_text.replace("version: 2026.11.1", "version: 2026.12.9", 1)
    v1 = compile_ruleset(parse_ruleset(v1_text)).version
    v2 = compile_ruleset(parse_ruleset(v2_text)).version
    workers = [WorkerProcess(name, kafka_bootstrap, unique_prefix, tmp_path, partitions=2, engine=engine)
               for name in "ab"]
    workers[1].env["FRAUDSTREAM_APP_ID"] = workers[0].env["FRAUDSTREAM_APP_ID"]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.wait_healthy()
    docs = [transaction(i, accounts=30) for i in range(900)]
    sender = threading.Thread(target=lambda: asyncio.run(produce(
        kafka_bootstrap, f"{unique_prefix}transactions", [encode(d) for d in docs], delay_s=0.02)))
    topic = f"{unique_prefix}risk-decisions"
    try:
        asyncio.run(publish(settings, "ruleset", v1, v1_text, author="test"))  # the team's current version
        sender.start()
        asyncio.run(consume(kafka_bootstrap, topic, lambda r: len(r) >= 150, timeout_s=90))
        asyncio.run(publish(settings, "ruleset", v2, v2_text, author="test"))
        published_at = time.monotonic()
        asyncio.run(consume(kafka_bootstrap, topic, lambda r: any(orjson.loads(x.value)["ruleset_version"] == v2
                                                                    for x in r[-50:]), timeout_s=60))
        switch_s = time.monotonic() - published_at
        print(f"ruleset v2 first seen on a decision {switch_s:.2f}s after publish")
        asyncio.run(activate(settings, "ruleset", v1, author="test"))  # rollback
        sender.join()
        time.sleep(2)  # the control plane polls every 0.5 s
        after = [transaction(i, accounts=30) for i in range(len(docs), len(docs) + 60)]
        asyncio.run(produce(kafka_bootstrap, f"{unique_prefix}transactions", [encode(d) for d in after]))
        docs += after
        wanted = {d["transaction_id"] for d in docs}
        decided = values(asyncio.run(consume(
            kafka_bootstrap, topic, lambda r: {orjson.loads(x.value)["transaction_id"] for x in r} >= wanted,
            timeout_s=120)))
        metrics = [worker.metrics() for worker in workers]
    finally:
        for worker in workers:
            worker.stop()
    record_traffic("decisions consumed", len(decided))
    assert {d["transaction_id"] for d in decided} == {d["transaction_id"] for d in docs}
    versions = [d["ruleset_version"] for d in sorted(decided, key=lambda d: d["transaction_id"])]
    assert versions[0] == v1 and v2 in versions, "v1 → v2"
    assert set(versions[-len(after):]) == {v1}, "rollback: transactions after it are decided by v1"
    assert switch_s < 30
    for m in metrics:
        ((labels, _),) = m.values("fraudstream_active_versions_info")
        assert labels["ruleset"] == v1, labels
