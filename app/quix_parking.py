"""Quix Streams side of partition parking (`agents.parking`), at-least-once.

Quix Streams hands outputs to librdkafka and hears the broker's answer later, in a delivery report; its
producer latched a refusal and raised it at the next produce or checkpoint, which failed the whole worker.
Here each output's report carries its input's position (`agents.quix_dataframes.QuixEmitter`): a refusal
parks that input's partition instead and is taken off the latch, and the checkpoint is kept safe around it:

- before a checkpoint commits, the producer is flushed, so every refusal among its outputs is known; then no
  parked partition is committed at or past its refused input (the checkpoint's processed offsets are lowered);
- a parked partition is paused and positioned at the refused input (`pause` + `seek`, as Quix Streams' own
  sink backpressure does: the seek drops what librdkafka had fetched for it); a retry resumes it;
- a retried input is confirmed by a flush right after it was processed: delivered, the partition is active.

This reaches into Quix Streams (pinned by `quixstreams<3.29`): the checkpoint's `_tp_offsets` and
`_starting_tp_offsets`, the producer's `_error` latch, and the application's `ProcessingContext`, replaced by
a subclass. Exactly-once is left out: a refused output fails the Kafka transaction of every partition in the
checkpoint, so that worker still restarts in place (`app.quix_app.restart_in_place`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from confluent_kafka import KafkaError, TopicPartition
from quixstreams.checkpointing.exceptions import CheckpointProducerTimeout
from quixstreams.processing import ProcessingContext

from agents.parking import Parking

# librdkafka reports the messages a purge or an aborted transaction dropped: not the broker's answer
_PURGED = frozenset({KafkaError._PURGE_QUEUE, KafkaError._PURGE_INFLIGHT})


class QuixParker:
    """The `agents.quix_dataframes.Parker` of one Quix Streams application."""

    def __init__(self, parking: Parking, producer: Any) -> None:
        self.parking = parking
        self._producer = producer
        self.committing = False  # a refusal seen inside the checkpoint's own flush stays latched: it aborts it

    def holds(self, topic: str, partition: int) -> bool:
        return self.parking.holds(topic, partition)

    def refused(self, topic: str, partition: int, offset: int, error: KafkaError) -> None:
        if error.code() in _PURGED:
            return
        self.parking.refused(topic, partition, offset, error.name(), error.str())
        if not self.committing and self._producer._error is error:
            self._producer._error = None  # parked: the next produce or checkpoint must not fail the worker for it

    def settle(self, context: ProcessingContext, *, committing: bool, revoking: bool) -> None:
        """Called before every checkpoint decision, on the processing thread (once per polled message)."""
        parking = self.parking
        if parking.parked():
            self._confirm_retries(context)
        if committing:
            self._flush(context, revoking)
        if not parking.parked():
            return
        consumer = context.consumer
        positions = parking.take_positions()
        if positions:
            assigned = {(tp.topic, tp.partition) for tp in consumer.assignment()}
            parking.forget((topic, partition) for topic, partition, _ in positions
                           if (topic, partition) not in assigned)  # a late report for a partition gone elsewhere
        for topic, partition, offset in positions:
            if parking.holds(topic, partition):
                consumer.pause([TopicPartition(topic, partition)])
                consumer.seek(TopicPartition(topic, partition, offset))
        for parked in parking.due():
            consumer.resume([TopicPartition(parked.topic, parked.partition)])
        self._hold_commits(context)

    def _confirm_retries(self, context: ProcessingContext) -> None:
        processed = context.checkpoint._tp_offsets
        through = [(p.topic, p.partition) for p in self.parking.snapshot()
                   if p.retrying and processed.get((p.topic, p.partition), -1) >= p.offset]
        if not through:
            return
        context.producer.flush()  # the retried input's outputs are answered: a refusal parks it again
        for topic, partition in through:
            self.parking.delivered(topic, partition, processed[(topic, partition)])

    @staticmethod
    def _flush(context: ProcessingContext, revoking: bool) -> None:
        timeout = context.revoke_flush_timeout if revoking and context.revoke_flush_timeout > 0 else None
        unflushed = context.producer.flush(timeout)
        if unflushed and not revoking:  # the checkpoint would raise the same; its own bounded flush decides a revoke
            raise CheckpointProducerTimeout(f"'{unflushed}' messages failed to be produced before the producer "
                                            f"flush timeout")

    def _hold_commits(self, context: ProcessingContext) -> None:
        """Lower each parked partition's processed offset in the checkpoint to just before its refused input."""
        checkpoint = context.checkpoint
        offsets, starts = checkpoint._tp_offsets, checkpoint._starting_tp_offsets
        for parked in self.parking.snapshot():
            tp = (parked.topic, parked.partition)
            processed = offsets.get(tp)
            if processed is None or processed < parked.offset:
                continue
            if starts.get(tp, parked.offset) < parked.offset:
                offsets[tp] = parked.offset - 1
            else:
                del offsets[tp]  # nothing before the refused input in this checkpoint: nothing to commit


@dataclass
class ParkingContext(ProcessingContext):
    """Quix Streams' processing context, settling parked partitions before each checkpoint decision."""

    parker: QuixParker | None = None

    def commit_checkpoint(self, force: bool = False, revoking: bool = False) -> None:
        parker = self.parker
        if parker is None:
            super().commit_checkpoint(force=force, revoking=revoking)
            return
        committing = (force or self.checkpoint.expired()) and not self.checkpoint.empty()
        parker.settle(self, committing=committing, revoking=revoking)
        parker.committing = True
        try:
            super().commit_checkpoint(force=force, revoking=revoking)
        finally:
            parker.committing = False


def install(app: Any, parking: Parking) -> QuixParker:
    """Give `app` (a Quix Streams Application, before any dataframe) a parking processing context."""
    context: ProcessingContext = app._processing_context
    parker = QuixParker(parking, context.producer)
    values = {f.name: getattr(context, f.name) for f in fields(context) if f.init}
    app._processing_context = ParkingContext(**values, parker=parker)
    return parker
