"""The Quix worker's start-up look-ups, batched, give what Quix's one-by-one look-ups give (real broker).

After a kill -9 Quix Streams asked the broker about one topic and one partition at a time: ~90 round trips,
about 2 s of a 5-6 s restart (issue 15). `app.quix_admin` asks in a few batches; these tests hold its answers
equal to the per-partition and per-topic answers they replace, on partitions with deleted records, empty
ones and ones with data. The strategy compiles, and the web and control plane start, on a thread of their own
while the worker joins its group: a failure there still stops the worker, as it did when they came first.
"""

from __future__ import annotations

import asyncio
import socket
import time

from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete
from aiokafka.structs import TopicPartition as AioPartition
from confluent_kafka import Consumer, TopicPartition
from quixstreams.models.topics import TopicAdmin, TopicConfig

from app import kafka_io
from app.quix_admin import StartupAdmin, batched_watermarks
from tests.integration.harness import WorkerProcess, produce

PARTITIONS = 3


class CountingAdmin(StartupAdmin):
    """Counts its cluster-metadata requests: Quix made one (and a configs request) per topic it named."""

    metadata_requests = 0

    def list_topics(self, timeout: float = -1) -> dict:
        self.metadata_requests += 1
        return super().list_topics(timeout)


async def _topics_with_history(bootstrap: str, names: list[str]) -> None:
    """`names[0]` gets records on every partition, then loses the first 4 of partition 0 (its log start moves,
    as retention would move it); `names[1]` gets records on partition 1 only; the rest stay empty."""
    await kafka_io.ensure_topics(bootstrap, names, PARTITIONS, configs={})
    await produce(bootstrap, names[0], [(f"k{n}".encode(), b"v") for n in range(30)])
    await produce(bootstrap, names[1], [(b"same-key", b"v")] * 5)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_records({AioPartition(names[0], 0): RecordsToDelete(4)})
    finally:
        await admin.close()


def _wait_listed(admin: TopicAdmin, names: list[str], timeout_s: float = 30) -> None:
    """Until the cluster metadata lists every topic with all its partitions (a just-created topic can lag)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        listed = admin.list_topics(timeout=10)
        if all(name in listed and len(listed[name].partitions) == PARTITIONS for name in names):
            return
        time.sleep(0.1)
    raise AssertionError(f"topics never listed: {names}")


def test_batched_watermarks_equal_the_consumers_own_look_up_of_each_partition(kafka_bootstrap, unique_prefix):
    names = [f"{unique_prefix}{kind}" for kind in ("busy", "one-key", "empty")]
    asyncio.run(_topics_with_history(kafka_bootstrap, names))
    partitions = [(name, p) for name in names for p in range(PARTITIONS)]
    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": f"{unique_prefix}wm"})
    try:
        one_by_one = {tp: tuple(consumer.get_watermark_offsets(TopicPartition(*tp), timeout=10, cached=False))
                      for tp in partitions}
        batched = batched_watermarks(consumer, partitions, timeout_s=10)
    finally:
        consumer.close()
    assert batched == one_by_one
    assert batched[(names[0], 0)][0] == 4  # the moved log start, which the gap check reads
    assert sum(high for _, high in batched.values()) == 35


def test_the_topics_a_pipeline_names_one_by_one_are_answered_from_one_batch(kafka_bootstrap, unique_prefix):
    names = [f"{unique_prefix}{kind}" for kind in ("in", "stage", "out")]
    changelog = f"changelog__{unique_prefix}app--{names[1]}--default"
    asyncio.run(kafka_io.ensure_topics(kafka_bootstrap, [*names, changelog], PARTITIONS, configs={}))
    plain = TopicAdmin(kafka_bootstrap)
    _wait_listed(plain, [*names, changelog])
    batched = CountingAdmin(kafka_bootstrap, names, internal_prefix=f"changelog__{unique_prefix}app--")
    for name in [*names, changelog]:  # as Quix's TopicManager asks: one topic at a time
        answer: TopicConfig | None = batched.inspect_topics([name])[name]
        assert answer == plain.inspect_topics([name])[name], name
    assert batched.metadata_requests == 2  # one to find the batch, one inside it; Quix asked once per topic
    missing = f"{unique_prefix}created-later"
    assert batched.inspect_topics([missing]) == {missing: None}  # not in the batch: asked of the broker


def _failed_start(worker: WorkerProcess) -> str:
    """Start the worker and wait for it to exit; it must fail. Returns the end of its log."""
    worker.start()
    try:
        assert worker.proc is not None
        assert worker.proc.wait(90) != 0, worker.tail()
    finally:
        worker.kill()
    return worker.tail(80)


def test_a_ruleset_that_does_not_compile_still_stops_the_worker_though_it_compiles_on_a_thread(
        kafka_bootstrap, unique_prefix, tmp_path):
    ruleset = tmp_path / "broken.yaml"
    ruleset.write_text('version: "1"\nrules:\n  - {id: AMT_LARGE, expression: "tx.amout >= 50000", action: REVIEW,'
                       ' weight: 0.5, reason_code: AMOUNT_LARGE, priority: 1}\n')
    log = _failed_start(WorkerProcess("broken", kafka_bootstrap, unique_prefix, tmp_path, partitions=1,
                                      engine="quix", extra_env={"FRAUDSTREAM_RULESET_PATH": str(ruleset)}))
    assert "tx.amout" in log, log


def test_a_web_port_in_use_still_stops_the_worker_though_its_services_start_on_a_thread(
        kafka_bootstrap, unique_prefix, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        log = _failed_start(WorkerProcess("portless", kafka_bootstrap, unique_prefix, tmp_path, partitions=1,
                                          engine="quix", extra_env={"FRAUDSTREAM_WEB_PORT": str(port)}))
    assert "Address already in use" in log, log
