"""Records retention deleted before the worker read them are reported, never skipped in silence (both engines).

A worker is killed -9, transactions arrive while it is down, and the broker deletes some of them before it
comes back (`delete_records` moves the log start past the group's committed offset, as retention would). The
restarted worker dead-letters a gap report (`offsets_out_of_range`) naming the lost offsets and counts them,
decides the rest, and its commits go on: exactly the message at the committed offset is deleted, which held
Faust's commit guard (it waited for that message to be acked) for good.
"""

from __future__ import annotations

import asyncio
import time

from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete
from aiokafka.structs import TopicPartition

from tests.integration.harness import WorkerProcess, consume, produce, values
from tests.integration.traffic import encode, transaction

BEFORE, DURING, DELETED_UP_TO = 5, 10, 6  # offset 5, the committed one, deleted unread


async def _committed(bootstrap: str, group: str, tp: TopicPartition, at_least: int, timeout_s: float = 30) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            offset = (await admin.list_consumer_group_offsets(group, partitions=[tp]))[tp].offset
            if offset >= at_least:
                return offset
            await asyncio.sleep(0.2)
    finally:
        await admin.close()
    raise AssertionError(f"{group} never committed {tp} up to {at_least}")


async def _delete_records(bootstrap: str, tp: TopicPartition, before_offset: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_records({tp: RecordsToDelete(before_offset)})
    finally:
        await admin.close()


def _ids(records: list) -> set[str]:
    return {v["transaction_id"] for v in values(records)}


def test_records_deleted_before_the_group_read_them_are_dead_lettered_as_a_gap(engine, kafka_bootstrap,
                                                                               unique_prefix, tmp_path):
    worker = WorkerProcess("gappy", kafka_bootstrap, unique_prefix, tmp_path, partitions=1, engine=engine).start()
    topic = f"{unique_prefix}transactions"
    tp = TopicPartition(topic, 0)
    try:
        worker.wait_ready()
        asyncio.run(produce(kafka_bootstrap, topic, [encode(transaction(n)) for n in range(BEFORE)]))
        asyncio.run(_committed(kafka_bootstrap, worker.env["FRAUDSTREAM_APP_ID"], tp, BEFORE))
        worker.kill()
        asyncio.run(produce(kafka_bootstrap, topic, [encode(transaction(n)) for n in range(BEFORE, BEFORE + DURING)]))
        asyncio.run(_delete_records(kafka_bootstrap, tp, DELETED_UP_TO))
        worker.start()
        reports = values(asyncio.run(consume(
            kafka_bootstrap, f"{unique_prefix}dead-letter",
            lambda records: any(b"offsets_out_of_range" in r.value for r in records), timeout_s=60)))
        decided = asyncio.run(consume(kafka_bootstrap, f"{unique_prefix}risk-decisions",
                                      lambda records: len(_ids(records)) >= BEFORE + DURING - (DELETED_UP_TO - BEFORE)))
        skipped = worker.metrics().total("fraudstream_records_skipped_total")
        group = worker.env["FRAUDSTREAM_APP_ID"]
        asyncio.run(_committed(kafka_bootstrap, group, tp, BEFORE + DURING, timeout_s=15))
    finally:
        worker.stop()
    gaps = [r for r in reports if r["error"]["code"] == "offsets_out_of_range"]
    assert gaps, f"no gap report among {reports}\n{worker.tail()}"
    assert (gaps[0]["source_topic"], gaps[0]["partition"], gaps[0]["offset"]) == (topic, 0, BEFORE)
    assert gaps[0]["errors"] == [{"committed_offset": str(BEFORE), "log_start_offset": str(DELETED_UP_TO),
                                  "skipped": str(DELETED_UP_TO - BEFORE)}]
    assert skipped == DELETED_UP_TO - BEFORE
    assert len(_ids(decided)) == BEFORE + DURING - (DELETED_UP_TO - BEFORE)
    assert "offsets.out_of_range" in worker.tail(200)
