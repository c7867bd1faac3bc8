"""A worker decides with the published ruleset from its very first decision, on its first start and after kill -9.

Deciding with the file ruleset until the control plane caught up (about a second) was a silent rollback after
every restart, and a first decision is the one that is kept and re-emitted.
"""

from __future__ import annotations

import asyncio

import orjson

from app.control.publish import publish
from app.rulesets import bundle
from app.settings import Settings
from app.topics import ensure_topics
from risk.rules import compile_ruleset, parse_ruleset
from tests.conftest import record_traffic
from tests.integration.harness import ADMIN_TOKEN, WorkerProcess, consume, produce, values
from tests.integration.traffic import encode, transaction

PARTITIONS = 2


def test_the_first_decision_after_a_start_and_a_restart_carries_the_published_ruleset(
        engine, kafka_bootstrap, unique_prefix, tmp_path):
    settings = Settings(bootstrap_servers=kafka_bootstrap, topic_prefix=unique_prefix, admin_token=ADMIN_TOKEN,
                        partitions=PARTITIONS)
    # a block list of 200k devices: compiling it takes a second or two, the window in which a worker that starts
    # on its files and swaps in the published ruleset afterwards decides with the files
    padding = "".join(f"    - dev-pad-{i:07d}\n" for i in range(200_000))
    text = bundle(settings.ruleset_path).replace("version: 2026.11.1", "version: 2026.12.9", 1).replace(
        "    - dev-1b22c9e04d\n", padding + "    - dev-1b22c9e04d\n", 1)
    published, on_file = (compile_ruleset(parse_ruleset(t)).version for t in (text, bundle(settings.ruleset_path)))
    assert published != on_file
    asyncio.run(ensure_topics(settings))
    asyncio.run(publish(settings, "ruleset", "2026.12.9", text, author="test"))
    topic = f"{unique_prefix}transactions"
    worker = WorkerProcess("a", kafka_bootstrap, unique_prefix, tmp_path, partitions=PARTITIONS, engine=engine)
    decisions = f"{unique_prefix}risk-decisions"

    def decided(docs: list[dict]) -> list[dict]:
        """Every decision on the topic, once each of `docs` has one."""
        wanted = {d["transaction_id"] for d in docs}
        return values(asyncio.run(consume(
            kafka_bootstrap, decisions, lambda r: {orjson.loads(x.value)["transaction_id"] for x in r} >= wanted,
            timeout_s=90)))

    try:
        before = [transaction(i, accounts=10) for i in range(20)]
        asyncio.run(produce(kafka_bootstrap, topic, [encode(d) for d in before]))  # waiting: decided at once
        worker.start()
        first = decided(before)
        worker.kill()
        after = [transaction(i, accounts=10) for i in range(len(before), len(before) + 20)]
        asyncio.run(produce(kafka_bootstrap, topic, [encode(d) for d in after]))
        worker.start()
        second = decided(before + after)
    finally:
        worker.stop()
    record_traffic("transactions", len(before) + len(after))
    restarted = [d for d in second if d["transaction_id"] in {a["transaction_id"] for a in after}]
    assert [d["ruleset_version"] for d in first] == [published] * len(first), "first start"
    assert restarted and {d["ruleset_version"] for d in restarted} == {published}, "after kill -9"
