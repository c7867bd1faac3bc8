"""An output the broker refuses never lets its input be acknowledged (both engines).

`risk-decisions` is created with a `max.message.bytes` smaller than any decision, so the broker refuses every
decision. The worker must not commit the score stage's input past it: once the limit is raised (and the worker
restarted, if it stopped loudly), the transaction is decided. A worker that acked the input anyway never
decides it again.
"""

from __future__ import annotations

import asyncio
import re
import time

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from app import kafka_io
from tests.integration.harness import WorkerProcess, consume, produce, values
from tests.integration.traffic import encode, transaction

TOO_SMALL = 256  # a decision carries its feature snapshot: several KiB
REFUSED = re.compile(r"message ?size ?too ?large", re.IGNORECASE)  # aiokafka's and librdkafka's spellings


async def _max_message_bytes(bootstrap: str, topic: str, limit: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic,
                                                  configs={"max.message.bytes": str(limit)})])
    finally:
        await admin.close()


def test_a_decision_the_broker_refuses_is_decided_once_the_broker_takes_it(engine, kafka_bootstrap, unique_prefix,
                                                                          tmp_path):
    decisions = f"{unique_prefix}risk-decisions"
    asyncio.run(kafka_io.ensure_topics(kafka_bootstrap, [decisions], 1, configs={"max.message.bytes": str(TOO_SMALL)}))
    worker = WorkerProcess("refused", kafka_bootstrap, unique_prefix, tmp_path, partitions=1, engine=engine).start()
    doc = transaction(1)
    try:
        worker.wait_ready()
        asyncio.run(produce(kafka_bootstrap, f"{unique_prefix}transactions", [encode(doc)]))
        deadline = time.monotonic() + 30
        while not REFUSED.search(worker.tail(400)) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert REFUSED.search(worker.tail(400)), worker.tail()
        time.sleep(2.0)  # four commit intervals: a worker that acked the input would have committed it by now
        asyncio.run(_max_message_bytes(kafka_bootstrap, decisions, 1024 * 1024))
        if not worker.alive():  # Faust stops loudly; Quix Streams restarts in place until the broker takes it
            assert "output.undeliverable" in worker.tail(400), worker.tail()
            worker.start()
        decided = values(asyncio.run(consume(kafka_bootstrap, decisions, lambda records: len(records) >= 1,
                                             timeout_s=60)))
    finally:
        worker.stop()
    assert [d["transaction_id"] for d in decided][:1] == [doc["transaction_id"]], worker.tail()
