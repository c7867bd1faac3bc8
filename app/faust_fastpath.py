"""Two of Faust's per-message costs, removed without changing what it delivers, acks or commits.

Written against faust-streaming 0.15 (pinned in pyproject.toml); each class overrides one method and falls
back to Faust's own whenever its shortcut does not apply.

1. Every send through a Faust topic, each table's changelog write included, first asks the app for its
   producer (`App.maybe_start_producer`), whose `mode` `stampede` guard yields to the event loop three times
   on every call, long after the producer started. The producer buffer sends the changelog one write at a
   time, so each write waited for those loop turns. `FastProducerApp` returns the running producer at once.
2. A commit first flushes the producer, and Faust's flush waits until the changelog buffer is empty. Under
   load the streams refill it as fast as it drains, so a commit (and a rebalance, and the drain loop, which
   waits for a running commit every `broker_commit_every` acks) waited for the whole backlog.
   `SnapshotFlushProducer.flush` waits for the buffered writes made before the flush and for aiokafka's open
   batches. The flush is not what keeps at-least-once here: an input is acked only once the broker took every
   output and changelog record it caused (`agents.delivery.DeliveryGuard`), so no commit can pass an input
   whose records are unanswered.

Not here: handing a fetched message to the streams without the drain loop's per-message `wait_first` (four
tasks and an `asyncio.wait`). Running the conductor's callback eagerly in the drain loop's task was faster,
but left a worker that took over a killed peer's partitions processing nothing (the two-worker kill test).
"""

from __future__ import annotations

import asyncio
from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka

FLUSH_POLL_S = 0.1  # as Faust's own flush: how often a waiting flush checks the buffer still runs


class FastProducerApp(faust.App):
    """Faust's app; asking for the running producer costs no turn of the event loop (1. above)."""

    async def maybe_start_producer(self) -> Any:
        producer = self.producer
        if not self.in_transaction and producer.started:
            return producer
        return await super().maybe_start_producer()


class SnapshotFlushProducer(faust_aiokafka.Producer):
    """Faust's aiokafka producer whose `flush` waits for what was buffered or sent when it began (2. above).

    It keeps the buffered sends (`send_soon`: the changelog writes) until the broker answered each, whether
    still queued or already handed over, so a flush can wait for exactly those."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unanswered: set[asyncio.Future[Any]] = set()

    def send_soon(self, fut: Any) -> None:
        self._unanswered.add(fut)
        fut.add_done_callback(self._unanswered.discard)
        super().send_soon(fut)

    async def flush(self) -> None:
        if self.app.conf.producer_threaded:
            await super().flush()
            return
        pending = set(self._unanswered)  # a failed one is done too: the guard handles it where it holds it
        while pending:
            if self.buffer.state != "running":
                await super().flush()  # Faust's own: raises when the buffer stopped with writes still in it
                return
            _, pending = await asyncio.wait(pending, timeout=FLUSH_POLL_S)
        if self._producer is not None:
            await self._producer.flush()  # aiokafka's flush: the batches open now
        for transaction_producer in self._transaction_producers.values():
            await transaction_producer.flush()
