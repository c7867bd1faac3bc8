"""Records retention deleted before the worker read them are reported, never skipped in silence (both engines).

A worker is killed -9, transactions arrive while it is down, and the broker deletes some of them before it
comes back (`delete_records` moves the log start past the group's committed offset, as retention would). The
restarted worker dead-letters a gap report (`offsets_out_of_range`) naming the lost offsets and counts them,
decides the rest, and its commits go on: exactly the message at the committed offset is deleted, which held
Faust's commit guard (it waited for that message to be acked) for good. The same holds when the broker deletes
records ahead of a worker that is running but behind (here: stopped with SIGSTOP for a moment).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete
from aiokafka.structs import TopicPartition

from tests.integration.harness import WorkerProcess, committed_offset, consume, produce, values
from tests.integration.traffic import encode, transaction

BEFORE, DURING, DELETED_UP_TO = 5, 10, 6  # offset 5, the committed one, deleted unread
DELETED_WHILE_RUNNING = 8  # offsets 5 to 7, the next three the running worker was to read


async def _committed(bootstrap: str, group: str, tp: TopicPartition, at_least: int, timeout_s: float = 30) -> int:
    offset = await committed_offset(bootstrap, group, tp, at_least, timeout_s)
    assert offset >= at_least, f"{group} never committed {tp} up to {at_least}"
    return offset


async def _delete_records(bootstrap: str, tp: TopicPartition, before_offset: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_records({tp: RecordsToDelete(before_offset)})
    finally:
        await admin.close()


def _ids(records: list) -> set[str]:
    return {v["transaction_id"] for v in values(records)}


def _gap_scenario(worker: WorkerProcess, bootstrap: str, prefix: str, deleted_up_to: int,
                  outage: Callable[[], AbstractContextManager[None]]) -> None:
    """`BEFORE` transactions decided and committed, then `DURING` more arrive during `outage` and the broker
    deletes those below `deleted_up_to`; after it, exactly that gap is reported and the rest decided."""
    topic = f"{prefix}transactions"
    tp, group = TopicPartition(topic, 0), worker.env["FRAUDSTREAM_APP_ID"]
    try:
        worker.wait_ready()
        asyncio.run(produce(bootstrap, topic, [encode(transaction(n)) for n in range(BEFORE)]))
        asyncio.run(_committed(bootstrap, group, tp, BEFORE))
        with outage():
            asyncio.run(produce(bootstrap, topic, [encode(transaction(n)) for n in range(BEFORE, BEFORE + DURING)]))
            asyncio.run(_delete_records(bootstrap, tp, deleted_up_to))
        reports = values(asyncio.run(consume(
            bootstrap, f"{prefix}dead-letter",
            lambda records: any(b"offsets_out_of_range" in r.value for r in records), timeout_s=30)))
        kept = BEFORE + DURING - (deleted_up_to - BEFORE)
        decided = asyncio.run(consume(bootstrap, f"{prefix}risk-decisions", lambda records: len(_ids(records)) >= kept))
        skipped = worker.metrics().total("fraudstream_records_skipped_total")
        asyncio.run(_committed(bootstrap, group, tp, BEFORE + DURING, timeout_s=15))
    finally:
        worker.stop()
    gaps = [(r["source_topic"], r["partition"], r["offset"], r["errors"]) for r in reports
            if r["error"]["code"] == "offsets_out_of_range"]
    assert gaps == [(topic, 0, BEFORE, [{"committed_offset": str(BEFORE), "log_start_offset": str(deleted_up_to),
                                         "skipped": str(deleted_up_to - BEFORE)}])], f"{reports}\n{worker.tail()}"
    assert skipped == deleted_up_to - BEFORE
    assert len(_ids(decided)) == kept
    assert "offsets.out_of_range" in worker.tail(200)


def test_records_deleted_before_the_group_read_them_are_dead_lettered_as_a_gap(engine, kafka_bootstrap,
                                                                               unique_prefix, tmp_path):
    worker = WorkerProcess("gappy", kafka_bootstrap, unique_prefix, tmp_path, partitions=1, engine=engine).start()

    @contextmanager
    def killed() -> Iterator[None]:
        worker.kill()
        yield
        worker.start()

    _gap_scenario(worker, kafka_bootstrap, unique_prefix, DELETED_UP_TO, killed)


def test_records_deleted_ahead_of_a_running_worker_are_dead_lettered_as_a_gap(engine, kafka_bootstrap,
                                                                              unique_prefix, tmp_path):
    """The worker is stopped (SIGSTOP, shorter than its session) while transactions arrive and the broker deletes
    some of them, then resumed: its consumer's next fetch is out of range and resets to the log start inside the
    same assignment, so only a check of the offsets it reads can see the gap."""
    worker = WorkerProcess("running", kafka_bootstrap, unique_prefix, tmp_path, partitions=1, engine=engine).start()

    @contextmanager
    def paused() -> Iterator[None]:
        worker.pause()
        # A fetch the consumer sent just before it stopped waits on the broker for new records for up to 20 ms
        # (FRAUDSTREAM_FETCH_MAX_WAIT_MS, Faust's transport): the broker must answer it before the records arrive,
        # or they reach the stopped worker's socket before the deletion and nothing is lost.
        time.sleep(1.0)
        try:
            yield
        finally:
            worker.resume()

    _gap_scenario(worker, kafka_bootstrap, unique_prefix, DELETED_WHILE_RUNNING, paused)
