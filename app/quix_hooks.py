"""Quix Streams 3.28 has no public rebalance hook: this subclass reports assignments to an `Assignment`.

`_on_assign`, `_on_revoke` and `_on_lost` are the callbacks the Application hands its consumer (private API,
pinned by the `quixstreams<3.29` bound); each still runs the framework's own work first. State counts as
recovered when the state manager has no changelog partition left to replay. Given a `Parking`, it parks a
partition whose output the broker refuses (`app/quix_parking.py`), and forgets that on every rebalance.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from quixstreams import Application

from agents.parking import Parking
from app import quix_parking
from app.readiness import Assignment


class ObservedApplication(Application):
    def __init__(self, *args: Any, assignment: Assignment, parking: Parking | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        self.parking = parking
        self.parker = quix_parking.install(self, parking) if parking is not None else None
        # called with the consumer and the newly assigned partitions, before any of them is processed
        self.on_assigned: Callable[[Any, list[Any]], None] | None = None

    def _on_assign(self, consumer: Any, topic_partitions: list[Any]) -> None:
        super()._on_assign(consumer, topic_partitions)
        self.assignment.assigned((tp.topic, tp.partition) for tp in topic_partitions)
        self._forget_parked(topic_partitions)  # assigned afresh: read from the committed offset, unpaused
        if self.on_assigned is not None:
            self.on_assigned(consumer, topic_partitions)

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
