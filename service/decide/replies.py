"""The decision API's broker side: publishing transactions, and matching decisions to the requests waiting
for them (one reply consumer per service replica). The only module of the API that knows Kafka.

Every replica reads *all* partitions of `risk-decisions` by manual assignment (no consumer group, so no
rebalance and no offsets to commit), from the end at start, and resolves the future waiting under the
decision's transaction id (`pending`: transaction id -> future). So replicas need no coordination: whichever
replica published a transaction, the one holding the request sees its decision.

Reading every decision must stay cheap, so the reading happens in librdkafka (confluent-kafka) on a thread
of its own, and a decision is matched by its `fs-tx-id` header (the pipeline sets it): only the decisions
some request here waits for are handed to the event loop and parsed; the rest are dropped unread. (A
decision without the header, from an older worker, is parsed to find its id.) Publishing is librdkafka too:
the event loop only hands the record over and awaits its delivery report. Beyond what one consumer skims
(hundreds of thousands of headers per second), route requests to replicas by partition instead.

A decision that arrives after its deadline still resolves its future (and lands in `recent`), so a retry gets
the real decision; futures left unclaimed are dropped after `LATE_KEEP_S`.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import OrderedDict
from typing import Any

import orjson
import structlog
from confluent_kafka import OFFSET_END, Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition

log = structlog.get_logger(__name__)

LATE_KEEP_S = 60.0
EXPIRE_EVERY_S = 5.0
TX_ID_HEADER = "fs-tx-id"
POLL_S = 0.1
CONSUME_BATCH = 1000
DELIVERY_TIMEOUT_MS = 10_000  # a broker that takes no record for this long: the request answers publish_failed
METADATA_TIMEOUT_S = 15.0


def transaction_id_of(message: Message) -> str | None:
    """The decision's transaction id from its header, or None when the record carries none."""
    for name, value in message.headers() or ():
        if name == TX_ID_HEADER and value is not None:
            return value.decode(errors="replace")
    return None


class Replies:
    def __init__(self, bootstrap: str, topic: str, recent_capacity: int, *, fetch_wait_ms: int = 20) -> None:
        self._bootstrap, self._topic, self._capacity = bootstrap, topic, recent_capacity
        self._fetch_wait_ms = fetch_wait_ms
        self.pending: dict[str, tuple[asyncio.Future[dict[str, Any]], float]] = {}
        self.recent: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.skipped = 0  # decisions nobody here waited for, dropped unparsed (read by the reader thread only)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    async def start(self, partitions: set[int]) -> None:
        """Assign every partition at its current end before any request is published."""
        consumer = Consumer({
            "bootstrap.servers": self._bootstrap, "group.id": f"fraudstream-replies-{uuid.uuid4().hex}",
            "enable.auto.commit": False, "enable.auto.offset.store": False, "socket.nagle.disable": True,
            "fetch.wait.max.ms": self._fetch_wait_ms, "fetch.error.backoff.ms": 100})
        try:
            ends = await asyncio.to_thread(self._ends, consumer, sorted(partitions))
            consumer.assign(ends)  # explicit offsets: never "latest" resolved at the first fetch, after a reply
        except BaseException:
            consumer.close()
            raise
        loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._read, args=(consumer, loop), name="decision-replies",
                                        daemon=True)
        self._thread.start()

    def _ends(self, consumer: Consumer, partitions: list[int]) -> list[TopicPartition]:
        ends = []
        for partition in partitions:
            _, high = consumer.get_watermark_offsets(TopicPartition(self._topic, partition),
                                                     timeout=METADATA_TIMEOUT_S)
            ends.append(TopicPartition(self._topic, partition, high if high >= 0 else OFFSET_END))
        return ends

    async def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 10)

    def ready(self) -> bool:
        """Positioned on every partition and reading (a reader that died is not ready)."""
        return self._thread is not None and self._thread.is_alive()

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

    def deliver(self, transaction_id: str | None, value: bytes) -> None:
        """On the event loop: a decision the reader matched (by header), or one without the header."""
        if transaction_id is None or transaction_id in self.pending:
            self.resolve(value)

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

    def _read(self, consumer: Consumer, loop: asyncio.AbstractEventLoop) -> None:
        """The reader thread: skim headers, hand over only what someone here waits for."""
        last_expiry = time.monotonic()
        try:
            while not self._stop.is_set():
                try:  # poll returns at the first record; consume(…, 0) then takes what else is there, unwaited
                    first = consumer.poll(POLL_S)
                    messages = [] if first is None else [first, *consumer.consume(CONSUME_BATCH, 0)]
                except KafkaException as err:  # librdkafka reconnects by itself; requests fall back meanwhile
                    log.error("replies.read_failed", error=str(err)[:300])
                    self._stop.wait(1.0)
                    continue
                for message in messages:
                    self._match(message, loop)
                if time.monotonic() - last_expiry > EXPIRE_EVERY_S:
                    last_expiry = time.monotonic()
                    loop.call_soon_threadsafe(self.expire, last_expiry)
        except RuntimeError:  # the event loop closed under us: the service is stopping
            pass
        finally:
            consumer.close()

    def _match(self, message: Message, loop: asyncio.AbstractEventLoop) -> None:
        error, value = message.error(), message.value()
        if error is not None:
            if error.code() != KafkaError._PARTITION_EOF:
                log.warning("replies.partition_error", error=str(error)[:300])
            return
        if value is None:
            return
        transaction_id = transaction_id_of(message)
        if transaction_id is not None and transaction_id not in self.pending:  # a dict read: safe across threads
            self.skipped += 1
            return
        loop.call_soon_threadsafe(self.deliver, transaction_id, value)


class Publisher:
    """Transactions to the pipeline's input topic, acknowledged by every in-sync replica before we wait.

    librdkafka batches and sends on its own threads; a thread of ours polls for delivery reports and resolves
    each publish's future on the event loop."""

    def __init__(self, bootstrap: str, topic: str, *, linger_ms: int = 1) -> None:
        self._bootstrap, self._topic, self._linger_ms = bootstrap, topic, linger_ms
        self._producer: Producer | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    async def start(self) -> None:
        self._producer = Producer({"bootstrap.servers": self._bootstrap, "acks": "all", "enable.idempotence": True,
                                   "linger.ms": self._linger_ms, "socket.nagle.disable": True,
                                   "message.timeout.ms": DELIVERY_TIMEOUT_MS})
        self._thread = threading.Thread(target=self._poll, args=(self._producer,), name="decision-publisher",
                                        daemon=True)
        self._thread.start()

    def _poll(self, producer: Producer) -> None:
        while not self._stop.is_set():
            producer.poll(POLL_S)

    async def partitions(self, topic: str) -> set[int]:
        assert self._producer is not None, "start() first"
        metadata = await asyncio.to_thread(self._producer.list_topics, topic, METADATA_TIMEOUT_S)
        found = metadata.topics.get(topic)
        if found is None or found.error is not None:
            raise KafkaException(found.error if found is not None else KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART))
        return set(found.partitions)

    async def publish(self, key: bytes, value: bytes) -> None:
        assert self._producer is not None, "start() first"
        loop = asyncio.get_running_loop()
        delivered: asyncio.Future[None] = loop.create_future()

        def report(error: KafkaError | None, _message: Message) -> None:  # on the poll thread
            loop.call_soon_threadsafe(_settle, delivered, error)

        self._producer.produce(self._topic, value=value, key=key, on_delivery=report)
        await delivered

    async def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 10)
        if self._producer is not None:
            await asyncio.to_thread(self._producer.flush, 5)
            self._producer = None  # librdkafka's threads end with the object, not at interpreter exit


def _settle(future: asyncio.Future[None], error: KafkaError | None) -> None:
    if future.done():  # the request was cancelled (client gone): nothing to tell
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(KafkaException(error))
