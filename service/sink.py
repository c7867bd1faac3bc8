"""The store sink: risk-decisions, risk-alerts, block-commands and the control topic into the store.

One poll is one unit of work: consume up to `sink_batch_max` records, write them in one store transaction
(idempotent upserts by transaction/alert/command id), dead-letter the records the store must not take, and only
then commit the offsets. A crash anywhere before the offset commit redelivers the batch, which then writes
nothing twice. The sink has its own consumer group (`<app id>-store-sink`), so several service replicas share
the partitions and its offsets never mix with the workers'.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from agents.dead_letter import dead_letter_bytes
from app.settings import Settings
from risk.validation import Rejection
from schemas.dead_letter import DeadLetterCode
from service.exceptions import StoreUnavailable
from service.parse import Consumed, add
from service.store import writes
from service.store.retention import purge
from service.store.rows import Batch

log = structlog.get_logger(__name__)
STORE_REJECTED = DeadLetterCode.STORE_REJECTED  # a valid record the store refused (e.g. a value too long)
RETRY_BACKOFF_S = 2.0


@dataclass
class SinkStats:
    """Counters a test, the bench or a metrics endpoint reads (written by the sink thread only)."""

    polls: int = 0
    records: int = 0
    dead_letters: dict[str, int] = field(default_factory=dict)
    store_failures: int = 0
    committed_at_ms: int | None = None


class StoreSink:
    def __init__(self, settings: Settings, engine: Engine, *, clock: Callable[[], float] = time.time) -> None:
        self.settings, self.engine, self.clock = settings, engine, clock
        self.names = settings.topic_names()
        self.topics = [self.names.decisions, self.names.alerts, self.names.blocks, self.names.control]
        self.token = settings.admin_token.get_secret_value() if settings.admin_token else None
        self.stats = SinkStats()
        self._last_purge_s = clock()

    def run(self, stop: threading.Event) -> None:
        """Until `stop`: consume and write; after a store or broker failure, rejoin from the committed offsets."""
        while not stop.is_set():
            try:
                self._session(stop)
            except StoreUnavailable as err:
                self.stats.store_failures += 1
                log.warning("sink.store_unavailable", error=str(err), retry_in_s=RETRY_BACKOFF_S)
                stop.wait(RETRY_BACKOFF_S)
            except KafkaException as err:  # e.g. a commit during a rebalance: rejoin, the batch comes again
                log.warning("sink.kafka_error", error=str(err), retry_in_s=RETRY_BACKOFF_S)
                stop.wait(RETRY_BACKOFF_S)

    def _session(self, stop: threading.Event) -> None:
        consumer = Consumer({
            "bootstrap.servers": self.settings.bootstrap_servers, "group.id": self.settings.sink_group_id(),
            "enable.auto.commit": False, "auto.offset.reset": "earliest", "isolation.level": "read_committed",
            "session.timeout.ms": int(self.settings.session_timeout_s * 1000),
            "topic.metadata.refresh.interval.ms": 10_000})  # a topic created after we subscribed is seen soon
        producer = Producer({"bootstrap.servers": self.settings.bootstrap_servers, "enable.idempotence": True,
                             "linger.ms": self.settings.producer_linger_ms})
        consumer.subscribe(self.topics)
        log.info("sink.started", topics=self.topics, group=self.settings.sink_group_id())
        try:
            while not stop.is_set():
                self.poll_once(consumer, producer)
                self._maybe_purge()
        finally:
            consumer.close()  # leaves the group at once: another replica takes the partitions

    def poll_once(self, consumer: Consumer, producer: Producer) -> int:
        """One batch: consume, write, dead-letter, commit. Returns the records taken."""
        messages = consumer.consume(num_messages=self.settings.sink_batch_max,
                                    timeout=self.settings.sink_batch_wait_ms / 1000)
        self.stats.polls += 1
        consumed = [_consumed(m) for m in messages if _usable(m)]
        if not consumed:
            return 0
        now_ms = int(self.clock() * 1000)
        self._dead_letter(producer, self.store(consumed, now_ms), now_ms)
        consumer.commit(offsets=_next_offsets(consumed), asynchronous=False)
        self.stats.records += len(consumed)
        self.stats.committed_at_ms = now_ms
        return len(consumed)

    def store(self, consumed: list[Consumed], now_ms: int) -> list[tuple[Consumed, Rejection]]:
        """Write what the store may take in one transaction; return the records to dead-letter. If the store
        refuses the batch (a value it cannot hold), write record by record and refuse only the culprits."""
        batch, rejected = Batch(), []
        for message in consumed:
            rejection = add(batch, self.names, message, self.token, now_ms)
            if rejection is not None:
                rejected.append((message, rejection))
        if not len(batch):
            return rejected
        try:
            _write(self.engine, batch, now_ms)
            return rejected
        except DBAPIError as err:
            log.warning("sink.batch_refused", error=str(err)[:500], records=len(batch))
        for message in consumed:
            single = Batch()
            if add(single, self.names, message, self.token, now_ms) is not None or not len(single):
                continue
            try:
                _write(self.engine, single, now_ms)
            except DBAPIError as err:
                rejected.append((message, Rejection(STORE_REJECTED, f"store refused the record: {str(err)[:500]}")))
        return rejected

    def _dead_letter(self, producer: Producer, rejected: list[tuple[Consumed, Rejection]], now_ms: int) -> None:
        if not rejected:
            return
        failures: list[KafkaError] = []

        def delivered(error: KafkaError | None, _message: Message) -> None:
            if error is not None:
                failures.append(error)

        for message, rejection in rejected:
            producer.produce(self.names.dead_letter, key=message.key, on_delivery=delivered, value=dead_letter_bytes(
                source_topic=message.topic, partition=message.partition, offset=message.offset, key=message.key,
                value=message.value, code=rejection.code, message=rejection.message, fields=rejection.fields,
                errors=rejection.errors, received_ms=now_ms, max_value_bytes=self.settings.max_message_bytes))
            self.stats.dead_letters[rejection.code] = self.stats.dead_letters.get(rejection.code, 0) + 1
            log.warning("sink.dead_letter", code=rejection.code, topic=message.topic, partition=message.partition,
                        offset=message.offset)
        remaining = producer.flush(30)
        if remaining or failures:  # not committed: the batch comes again and the store ignores what it has
            raise StoreUnavailable(f"dead letters not delivered ({remaining} pending, errors {failures[:3]})")

    def _maybe_purge(self) -> None:
        interval = self.settings.purge_interval_s
        if not interval or self.clock() - self._last_purge_s < interval:
            return
        self._last_purge_s = self.clock()
        purged = purge(self.engine, self.settings.store_retention_days, int(self._last_purge_s * 1000))
        log.info("store.purged", **purged.__dict__)


def _write(engine: Engine, batch: Batch, now_ms: int) -> None:
    """A store that cannot be reached is not the record's fault: no dead letter, retry from the offsets."""
    try:
        writes.write_batch(engine, batch, now_ms)
    except (OperationalError, InterfaceError) as err:
        raise StoreUnavailable(f"store write failed: {err}") from err


def _usable(message: Message) -> bool:
    error = message.error()
    if error is None:
        return True
    if error.code() != KafkaError._PARTITION_EOF:
        log.warning("sink.consume_error", error=str(error))
    return False


def _consumed(message: Message) -> Consumed:
    return Consumed(message.topic() or "", message.partition() or 0, message.offset() or 0, message.key(),
                    message.value())


def _next_offsets(consumed: list[Consumed]) -> list[TopicPartition]:
    last: dict[tuple[str, int], int] = {}
    for message in consumed:
        last[(message.topic, message.partition)] = max(last.get((message.topic, message.partition), -1),
                                                       message.offset)
    return [TopicPartition(topic, partition, offset + 1) for (topic, partition), offset in last.items()]
