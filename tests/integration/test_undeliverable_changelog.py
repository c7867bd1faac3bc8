"""A table write the broker refuses never lets its input be acknowledged (both engines).

The account stage's changelog topic is created with a `max.message.bytes` smaller than any account state, so
the broker refuses the changelog record of every account write. The transaction's state change would then live
only on this worker's disk: a worker that committed the input anyway lost it for whichever worker takes the
partition next. The input must stay uncommitted while the changelog refuses it, the worker must say so, and once
the limit is raised the input is committed (Faust parks the partition and retries it; Quix Streams restarts in
place until the broker takes its checkpoint).
"""

from __future__ import annotations

import asyncio
import re
import time

from aiokafka.structs import TopicPartition

from app import kafka_io
from tests.integration.harness import WorkerProcess, committed_offset, produce
from tests.integration.test_undeliverable_output import RETRY_S, _count, _max_message_bytes
from tests.integration.traffic import encode, transaction

TOO_SMALL = 128  # an account's state (a JSON ring of buckets) is several hundred bytes
REFUSED = re.compile(r"message ?size ?too ?large", re.IGNORECASE)  # aiokafka's and librdkafka's spellings


def _account_changelog(engine: str, prefix: str, app_id: str) -> str:
    if engine == "faust":
        return f"{app_id}-account-state-changelog"
    inputs = "--".join(f"{prefix}{name}" for name in ("account-events", "fs-stage-rekey", "transactions"))
    return f"changelog__{app_id}--{inputs}--default"


def test_a_changelog_record_the_broker_refuses_keeps_its_input_uncommitted(engine, kafka_bootstrap, unique_prefix,
                                                                           tmp_path):
    worker = WorkerProcess("changelog", kafka_bootstrap, unique_prefix, tmp_path, partitions=1, engine=engine,
                           extra_env={"FRAUDSTREAM_PARKED_RETRY_S": str(RETRY_S)})
    group = worker.env["FRAUDSTREAM_APP_ID"]
    changelog = _account_changelog(engine, unique_prefix, group)
    asyncio.run(kafka_io.ensure_topics(kafka_bootstrap, [changelog], 1,
                                       configs={"max.message.bytes": str(TOO_SMALL), "cleanup.policy": "compact"}))
    tp = TopicPartition(f"{unique_prefix}transactions", 0)
    worker.start()
    try:
        worker.wait_ready()
        asyncio.run(produce(kafka_bootstrap, tp.topic, [encode(transaction(1))]))
        deadline = time.monotonic() + 30
        while not REFUSED.search(worker.tail(400)) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert REFUSED.search(worker.tail(400)), worker.tail()
        time.sleep(2.0)  # four commit intervals: a worker that acked the input would have committed it by now
        held = asyncio.run(committed_offset(kafka_bootstrap, group, tp))
        asyncio.run(_max_message_bytes(kafka_bootstrap, changelog, 1024 * 1024))
        assert worker.alive(), worker.tail()
        done = asyncio.run(committed_offset(kafka_bootstrap, group, tp, at_least=1, timeout_s=60))
        logged = asyncio.run(_count(kafka_bootstrap, changelog))  # the state change reached the changelog after all
    finally:
        worker.stop()
    assert held < 1, f"the input was committed although its changelog record was refused\n{worker.tail()}"
    assert done == 1, worker.tail()
    assert logged >= 1, f"the input was committed but its account state never reached the changelog\n{worker.tail()}"
