"""The decision API's broker side: publishing transactions, and matching decisions to the requests waiting
for them (one reply consumer per service replica). The only module of the API that knows Kafka.

Every replica reads *all* partitions of `risk-decisions` by manual assignment (no consumer group, so no
rebalance and no offsets to commit), from the end at start, and resolves the future waiting under the
decision's transaction id (`pending`: transaction id -> future). So replicas need no coordination: whichever
replica published a transaction, the one holding the request sees its decision. The cost is that each
replica parses every decision; beyond what one consumer reads (tens of thousands per second), route requests
to replicas by partition instead (each replica publishes and reads its own share of partitions).

A decision that arrives after its deadline still resolves its future (and lands in `recent`), so a retry gets
the real decision; futures left unclaimed are dropped after `LATE_KEEP_S`.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from typing import Any

import orjson
import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

log = structlog.get_logger(__name__)

LATE_KEEP_S = 60.0


class Replies:
    def __init__(self, bootstrap: str, topic: str, recent_capacity: int) -> None:
        self._bootstrap, self._topic, self._capacity = bootstrap, topic, recent_capacity
        self.pending: dict[str, tuple[asyncio.Future[dict[str, Any]], float]] = {}
        self.recent: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, partitions: set[int]) -> None:
        """Assign every partition and fix the start position before any request is published."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap, group_id=None, enable_auto_commit=False,
                                    fetch_max_wait_ms=100)  # the broker answers as soon as a decision lands
        await consumer.start()
        tps = [TopicPartition(self._topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_end(*tps)
        for tp in tps:
            await consumer.position(tp)  # resolve "end" now, not at the first fetch, or a reply could be missed
        self._consumer = consumer
        self._task = asyncio.create_task(self._run(), name="decision-replies")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._consumer is not None:
            await self._consumer.stop()

    def ready(self) -> bool:
        """Positioned on every partition and reading (a crashed loop is not ready)."""
        return self._task is not None and not self._task.done()

    def waiter(self, transaction_id: str) -> tuple[asyncio.Future[dict[str, Any]], bool]:
        """The future for `transaction_id` and whether this call created it (only the creator publishes)."""
        found = self.pending.get(transaction_id)
        if found is not None:
            return found[0], False
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[transaction_id] = (future, time.monotonic())
        return future, True

    def forget(self, transaction_id: str) -> None:
        """The publish failed: the next attempt publishes again."""
        self.pending.pop(transaction_id, None)

    def remember(self, decision: dict[str, Any]) -> None:
        if self._capacity <= 0:
            return
        self.recent[decision["transaction_id"]] = decision
        self.recent.move_to_end(decision["transaction_id"])
        while len(self.recent) > self._capacity:
            self.recent.popitem(last=False)

    def resolve(self, value: bytes) -> None:
        """One record from `risk-decisions`: wake whoever waits for it."""
        try:
            decision = orjson.loads(value)
            transaction_id = decision["transaction_id"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            log.warning("replies.unreadable_decision", size=len(value))
            return
        found = self.pending.pop(transaction_id, None)
        if found is None:
            return
        self.remember(decision)
        if not found[0].done():
            found[0].set_result(decision)

    def expire(self, now: float) -> None:
        for transaction_id in [t for t, (_, since) in self.pending.items() if since < now - LATE_KEEP_S]:
            future, _ = self.pending.pop(transaction_id)
            future.cancel()

    async def _run(self) -> None:
        assert self._consumer is not None
        last_expiry = time.monotonic()
        while True:
            try:
                batch = await self._consumer.getmany(timeout_ms=100)
            except asyncio.CancelledError:
                raise
            except Exception as err:  # the broker went away: keep trying, requests fall back meanwhile
                log.error("replies.read_failed", error=repr(err)[:300])
                await asyncio.sleep(1.0)
                continue
            for records in batch.values():
                for record in records:
                    if record.value is not None:
                        self.resolve(record.value)
            if time.monotonic() - last_expiry > 5:
                last_expiry = time.monotonic()
                self.expire(last_expiry)


class Publisher:
    """Transactions to the pipeline's input topic, acknowledged by every in-sync replica before we wait."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self._bootstrap, self._topic = bootstrap, topic
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        self._producer = AIOKafkaProducer(bootstrap_servers=self._bootstrap, acks="all", linger_ms=0)
        await self._producer.start()

    async def partitions(self, topic: str) -> set[int]:
        assert self._producer is not None, "start() first"
        return set(await self._producer.partitions_for(topic))

    async def publish(self, key: bytes, value: bytes) -> None:
        assert self._producer is not None, "start() first"
        await self._producer.send_and_wait(self._topic, value=value, key=key)

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
