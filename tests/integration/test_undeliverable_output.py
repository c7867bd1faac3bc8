"""An output the broker refuses parks its input's partition, and only that one (both engines).

`risk-alerts` is created with a `max.message.bytes` smaller than any alert, so the broker refuses the alert of
the one transaction that raises one (a REVIEW); the others are ALLOWs, which send a decision only. The worker
must park that transaction's score-stage partition, loudly (log, metric, /ready), commit nothing at or after
it and leave the transactions behind it undecided, while the other partition's transactions are decided and the
process stays up. Once the limit is raised, a retry decides the parked transaction and those behind it, each
once; a worker that acked the refused input would never send its alert.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from app import kafka_io
from tests.integration.harness import WorkerProcess, consume, produce, values
from tests.integration.traffic import encode, transaction

TOO_SMALL = 256  # an alert carries the transaction's context: several hundred bytes
RETRY_S = 0.5  # FRAUDSTREAM_PARKED_RETRY_S: doubles after each refused retry, up to 4 s here
METRIC = "fraudstream_partitions_parked"


async def _max_message_bytes(bootstrap: str, topic: str, limit: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic,
                                                  configs={"max.message.bytes": str(limit)})])
    finally:
        await admin.close()


async def _committed(bootstrap: str, group: str) -> dict[tuple[str, int], int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items()}


async def _count(bootstrap: str, topic: str) -> int:
    """Records in `topic` (created by this test: nothing deleted), from its end offsets."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or set()]
        return sum((await consumer.end_offsets(partitions)).values())
    finally:
        await consumer.stop()


def _all(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    total = asyncio.run(_count(bootstrap, topic))
    return values(asyncio.run(consume(bootstrap, topic, lambda rs: len(rs) >= total, timeout_s=30)))


def _wait(condition: Any, timeout_s: float, what: str, worker: WorkerProcess) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := condition():
            return result
        assert worker.alive(), worker.tail()
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout_s}s:\n{worker.tail()}")


def _decided(bootstrap: str, topic: str, ids: set[str]) -> list[dict[str, Any]]:
    records = asyncio.run(consume(bootstrap, topic, lambda rs: ids <= {v["transaction_id"] for v in values(rs)},
                                  timeout_s=45))
    return values(records)


def test_a_refused_output_parks_only_its_partition_until_the_broker_takes_it(engine, kafka_bootstrap, unique_prefix,
                                                                            tmp_path):
    alerts, decisions = f"{unique_prefix}risk-alerts", f"{unique_prefix}risk-decisions"
    score = f"{unique_prefix}fs-stage-score"
    asyncio.run(kafka_io.ensure_topics(kafka_bootstrap, [alerts], 2, configs={"max.message.bytes": str(TOO_SMALL)}))
    worker = WorkerProcess("parker", kafka_bootstrap, unique_prefix, tmp_path, partitions=2, engine=engine,
                           extra_env={"FRAUDSTREAM_PARKED_RETRY_S": str(RETRY_S)}).start()
    refused = transaction(200, accounts=1000, amount="900000.00")  # REVIEW: its alert is refused
    normal = [transaction(n, accounts=1000) for n in range(100, 116)]  # ALLOW, one account each
    try:
        worker.wait_ready()
        asyncio.run(produce(kafka_bootstrap, f"{unique_prefix}transactions", [encode(refused)]))
        parked = _wait(lambda: worker.ready()[1].get("parked"), 30, "no partition parked", worker)[0]
        assert (parked["topic"], parked["code"]) == (score, "MSG_SIZE_TOO_LARGE" if engine == "quix"
                                                     else "MessageSizeTooLargeError"), parked
        assert worker.ready()[0] == 503 and worker.healthy()
        assert "partition.parked" in worker.tail(400)
        assert worker.metrics().values(METRIC, topic=score, partition=str(parked["partition"]))[0][1] == 1.0

        asyncio.run(produce(kafka_bootstrap, f"{unique_prefix}transactions", [encode(doc) for doc in normal]))
        staged = asyncio.run(consume(kafka_bootstrap, score, lambda rs: len(rs) >= 1 + len(normal), timeout_s=30))
        partition_of = {record.key.decode(): record.partition for record in staged}
        assert partition_of[refused["account_id"]] == parked["partition"]
        held = {doc["transaction_id"] for doc in normal if partition_of[doc["account_id"]] == parked["partition"]}
        flowing = {doc["transaction_id"] for doc in normal} - held
        assert held and flowing, partition_of  # 16 accounts over 2 partitions: both sides, but for 2 in 65,536

        _decided(kafka_bootstrap, decisions, flowing)  # the other partition goes on
        _wait(lambda: worker.ready()[1]["parked"][0]["attempts"] >= 1, 10, "no retry was refused", worker)
        seen = {d["transaction_id"] for d in _all(kafka_bootstrap, decisions)}
        assert flowing <= seen and not held & seen, (held, seen)  # a retry goes no further than the refused input
        committed = asyncio.run(_committed(kafka_bootstrap, worker.env["FRAUDSTREAM_APP_ID"]))
        assert committed.get((score, parked["partition"]), -1) <= parked["offset"], committed
        assert worker.alive() and worker.ready()[1]["parked"], worker.tail()

        asyncio.run(_max_message_bytes(kafka_bootstrap, alerts, 1024 * 1024))
        _decided(kafka_bootstrap, decisions, held)
        _wait(lambda: worker.ready()[0] == 200, 30, "the parked partition did not resume", worker)
        assert not worker.metrics().values(METRIC) and "partition.resumed" in worker.tail(400)
        decided, alerted = _all(kafka_bootstrap, decisions), _all(kafka_bootstrap, alerts)
    finally:
        worker.stop()
    counts = Counter(d["transaction_id"] for d in decided)
    assert all(counts[doc["transaction_id"]] == 1 for doc in normal), counts  # nothing lost, nothing twice
    repeats = [d for d in decided if d["transaction_id"] == refused["transaction_id"]]
    assert repeats and all(d == repeats[0] for d in repeats)  # each retry re-sends its first decision
    assert [a["transaction_id"] for a in alerted] == [refused["transaction_id"]]
