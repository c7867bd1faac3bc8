"""Quix Streams 3.28 has no public rebalance hook: this subclass reports assignments to an `Assignment`.

`_on_assign`, `_on_revoke` and `_on_lost` are the callbacks the Application hands its consumer (private API,
pinned by the `quixstreams<3.29` bound); each still runs the framework's own work first. State counts as
recovered when the state manager has no changelog partition left to replay. Given a `Parking`, it parks a
partition whose output the broker refuses (`app/quix_parking.py`), and forgets that on every rebalance.

An assignment first asks the broker for every assigned partition's watermarks in one batch
(`app.quix_admin.batched_watermarks`): Quix's own per-partition look-ups are answered from it, and `on_assigned`
gets it for the offset-gap check, so a restart spends milliseconds there instead of one round trip per
partition.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from quixstreams import Application

from agents.parking import Parking
from app import quix_parking
from app.quix_admin import Watermarks, batched_watermarks, watermarks_from
from app.readiness import TP, Assignment
from app.startup import mark

log = structlog.get_logger(__name__)


class ObservedApplication(Application):
    def __init__(self, *args: Any, assignment: Assignment, parking: Parking | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        self.parking = parking
        self.parker = quix_parking.install(self, parking) if parking is not None else None
        self._processed = self._on_message_processed
        self._on_message_processed = self._first_processed
        # called with the consumer, the newly assigned partitions and their watermarks (those the batch got),
        # before any of them is processed
        self.on_assigned: Callable[[Any, list[Any], Watermarks], None] | None = None

    def _on_assign(self, consumer: Any, topic_partitions: list[Any]) -> None:
        mark("joined", partitions=len(topic_partitions))
        snapshot = self._prefetch(consumer, [(tp.topic, tp.partition) for tp in topic_partitions])
        mark("watermarks", partitions=len(snapshot))
        with watermarks_from(self._consumer, snapshot):
            super()._on_assign(consumer, topic_partitions)
        mark("state_assigned", recovery_required=self._state_manager.recovery_required)
        self.assignment.assigned((tp.topic, tp.partition) for tp in topic_partitions)
        self._forget_parked(topic_partitions)  # assigned afresh: read from the committed offset, unpaused
        if self.on_assigned is not None and topic_partitions:
            self.on_assigned(consumer, topic_partitions, snapshot)
            mark("gap_check")

    @staticmethod
    def _prefetch(consumer: Any, partitions: list[TP]) -> Watermarks:
        """The batch, or nothing when it failed: then every look-up goes to the broker one by one, as before."""
        if not partitions:
            return {}
        try:
            return batched_watermarks(consumer, partitions, timeout_s=10)
        except Exception as error:  # a slow start beats no start
            log.warning("quix.watermarks_unbatched", partitions=len(partitions),
                        error=f"{type(error).__name__}: {error}"[:300])
            return {}

    def _first_processed(self, topic: str, partition: int, offset: int) -> None:
        mark("first_record", topic=topic, partition=partition)
        self._on_message_processed = self._processed  # every later record goes straight to the caller's callback
        if self._processed is not None:
            self._processed(topic, partition, offset)

    def _on_revoke(self, consumer: Any, topic_partitions: list[Any]) -> None:
        self.assignment.revoked((tp.topic, tp.partition) for tp in topic_partitions)
        super()._on_revoke(consumer, topic_partitions)  # its last commit still stops before a parked input
        self._forget_parked(topic_partitions)

    def _on_lost(self, consumer: Any, topic_partitions: list[Any]) -> None:
        self.assignment.revoked((tp.topic, tp.partition) for tp in topic_partitions)
        super()._on_lost(consumer, topic_partitions)
        self._forget_parked(topic_partitions)

    def _forget_parked(self, topic_partitions: list[Any]) -> None:
        if self.parking is not None:
            self.parking.forget((tp.topic, tp.partition) for tp in topic_partitions)

    def log_start(self, topic: str, partition: int) -> int:
        """The partition's first offset as of the consumer's last fetch from it: librdkafka keeps the log start
        each fetch response carries, so this asks the broker only while it is not known yet."""
        from confluent_kafka import TopicPartition

        tp = TopicPartition(topic, partition)
        cached = self._consumer.get_watermark_offsets(tp, cached=True)
        if cached is not None and cached[0] >= 0:
            return int(cached[0])
        return int(self._consumer.get_watermark_offsets(tp, timeout=10, cached=False)[0])

    def recovered(self) -> bool:
        return not self._state_manager.recovery_required
