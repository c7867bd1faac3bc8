"""Faust side of partition parking (`agents.parking`).

The `DeliveryGuard` already keeps an input unacked when the broker refuses one of its outputs, and Faust's
commit, with our commit guard (`app/kafka_transport.py`), never passes an unacked message: nothing at or after
the refused input is committed. Parking adds the rest, instead of stopping the worker:

- the partition's fetching is paused (`Consumer.pause_partitions`) and the agent leaves the events of it still
  buffered in its stream unprocessed and unacked (`agents.register`);
- a retry positions it back at the refused input (`seek_wait`, run in the consumer's thread, which also resets
  Faust's read offset so the messages are taken again) and resumes it;
- a table write whose changelog record was refused already changed the store, and the retried input is a
  repeat that writes nothing: the refused keys' current values are sent again first (`tables.state.UnsentChangelog`),
  and the partition stays parked until the broker takes them;
- Faust's rebalance waits for every unacked message it tracks (`stream_wait_empty`), so the refused input and
  the withheld events leave that set (`Consumer._unacked_messages`, private): they are never acked, and are
  read again from the parked offset, by this worker or the partition's next owner.
"""

from __future__ import annotations

import asyncio
from typing import Any

import faust
import structlog
from faust.types import TP

from agents.parking import Parking
from agents.register import forget_unacked
from tables.state import UnsentChangelog

log = structlog.get_logger(__name__)

TICK_S = 1.0  # how often parked partitions are checked for their retry time (at most)


def error_code(error: BaseException) -> str:
    """aiokafka names its broker errors by class (`MessageSizeTooLargeError`)."""
    return type(error).__name__


class FaustParking:
    def __init__(self, app: faust.App, parking: Parking, unsent: UnsentChangelog) -> None:
        self._app = app
        self.parking = parking
        self.unsent = unsent

    def on_failure(self, message: Any, error: BaseException) -> None:
        """The `DeliveryGuard`'s: an output of `message` was refused after the producer's retries."""
        forget_unacked(self._app, message)
        self.parking.refused(message.topic, message.partition, message.offset, error_code(error),
                             f"{type(error).__name__}: {error}")
        self._pause()

    async def run(self, tick_s: float) -> None:
        while True:
            await asyncio.sleep(tick_s)
            self._pause()
            for parked in self.parking.due():
                await self._resume(parked.topic, parked.partition, parked.offset)

    def _pause(self) -> None:
        for topic, partition, _ in self.parking.take_positions():
            self._app.consumer.pause_partitions([TP(topic, partition)])

    async def _resume(self, topic: str, partition: int, offset: int) -> None:
        tp = TP(topic, partition)
        try:
            await self.unsent.resend(partition)
        except Exception as error:
            self.parking.refused(topic, partition, offset, error_code(error), f"changelog resend: {error}")
            return
        try:
            await self._app.consumer.seek_wait({tp: offset})
        except Exception as error:
            log.warning("partition.retry_seek_failed", topic=topic, partition=partition, offset=offset,
                        error=f"{type(error).__name__}: {error}"[:300])
            if tp in self._app.consumer.assignment():
                self.parking.refused(topic, partition, offset, error_code(error), f"seek failed: {error}")
            else:  # revoked meanwhile (or a late refusal after it left): its new owner reads it again
                self.parking.forget([(topic, partition)])
            return
        self._app.consumer.resume_partitions([tp])


def attach(app: faust.App, parking: Parking, retry_s: float, unsent: UnsentChangelog) -> FaustParking:
    """Park on refusals, retry in a task, and forget parked partitions on every rebalance."""
    faust_parking = FaustParking(app, parking, unsent)

    def forget(partitions: Any) -> None:
        parking.forget((tp.topic, tp.partition) for tp in partitions)

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]  # faust passes `signal` in **kwargs
    async def on_revoked(sender: Any, revoked: Any, **kwargs: Any) -> None:
        forget(revoked)

    @app.on_partitions_assigned.connect  # type: ignore[arg-type]  # as above
    async def on_assigned(sender: Any, assigned: Any, **kwargs: Any) -> None:
        forget(assigned)  # assigned afresh: read from the committed offset, unpaused

    @app.task
    async def retry_parked() -> None:
        await faust_parking.run(min(TICK_S, retry_s / 4))

    return faust_parking
