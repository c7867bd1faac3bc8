"""Three of Faust's per-message costs, removed without changing what it delivers, acks or commits.

Written against faust-streaming 0.15 (pinned in pyproject.toml); each class overrides one method and falls
back to Faust's own whenever its shortcut does not apply.

1. Every send through a Faust topic, each table's changelog write included, first asks the app for its
   producer (`App.maybe_start_producer`), whose `mode` `stampede` guard yields to the event loop on every
   call, long after the producer started. The producer buffer sends the changelog one write at a time, so each
   write waited for those loop turns. `FastProducerApp` returns the running producer at once.
2. The consumer's drain loop hands each fetched message to the streams with
   `wait_first(callback(message), suspend_flow.wait())`: four tasks (the callback, the flow, the consumer's
   stopped and crashed events), an `asyncio.wait` and three cancellations, and a loop turn, per message. The
   callback (the conductor putting the message on its streams' queues) waits only while the flow is suspended
   for a rebalance, the producer's buffer is over its cap, or a stream's queue is full. `EagerDrainConsumer`
   runs its first step at once; one that finished skips `wait_first`, one that suspended is waited for exactly
   as Faust does (and cancelled when the flow is suspended first). The order of messages, and what is read,
   tracked, acked and committed, are Faust's.
3. A commit first flushes the producer, and Faust's flush waits until the changelog buffer is empty. Under
   load the streams refill it as fast as it drains, so a commit (and the drain loop, which waits for a
   running commit every `broker_commit_every` acks) waited for the whole backlog. `SnapshotFlushProducer.flush`
   waits for the buffered writes made before the flush and for aiokafka's open batches. The flush is not what
   keeps at-least-once here: an input is acked only once the broker took every output and changelog record it
   caused (`agents.delivery.DeliveryGuard`), so no commit can pass an input whose records are unanswered.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka
from mode.services import WaitResults

FLUSH_POLL_S = 0.1  # as Faust's own flush: how often a waiting flush checks the buffer still runs


class FastProducerApp(faust.App):
    """Faust's app; asking for the running producer costs no turn of the event loop (1. above)."""

    async def maybe_start_producer(self) -> Any:
        producer = self.producer
        if not self.in_transaction and producer.started:
            return producer
        return await super().maybe_start_producer()


class Finished:
    """A callback that ran to its end without suspending; awaiting it gives its result."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, None, Any]:
        return self.value
        yield  # a generator that returns at once: awaiting it never suspends


class Resumed:
    """A coroutine that suspended at its first step (on `pending`), continued by whoever awaits this: every
    value sent or exception thrown in (a cancellation) goes on to the coroutine, as a task would deliver it."""

    __slots__ = ("_coro", "_pending")

    def __init__(self, coro: Coroutine[Any, Any, Any], pending: Any) -> None:
        self._coro, self._pending = coro, pending

    def __await__(self) -> Generator[Any, Any, Any]:
        pending = self._pending
        while True:
            try:
                sent = yield pending
            except GeneratorExit:  # never awaited to its end (the wait was dropped): close the coroutine too
                self._coro.close()
                raise
            except BaseException as error:  # a cancellation or error thrown in goes on to the coroutine
                try:
                    pending = self._coro.throw(error)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    pending = self._coro.send(sent)
                except StopIteration as stop:
                    return stop.value


def run_eagerly(coro: Coroutine[Any, Any, Any]) -> Finished | Resumed:
    """Run `coro` up to its first suspension: `Finished` when there was none, else `Resumed` to await."""
    try:
        pending = coro.send(None)
    except StopIteration as stop:
        return Finished(stop.value)
    return Resumed(coro, pending)


# The first step runs in the drain loop's own task. Nothing the callback reaches on Python 3.11 binds to the
# current task (the conductor's flow control, queues and the producer buffer's `asyncio.wait_for` use futures
# and timer handles), but from 3.12 `asyncio.wait_for` cancels the task it was entered in on timeout, which
# would be the drain loop: there the callback keeps Faust's own task (3.12's eager tasks would be the way on).
EAGER_DRAIN = sys.version_info < (3, 12)


def eager(callback: Callable[[Any], Awaitable[Any]], enabled: bool = EAGER_DRAIN) -> Callable[[Any], Awaitable[Any]]:
    """`callback`, run up to its first suspension when called (any awaitable but a coroutine as it is)."""
    if not enabled:
        return callback

    def run(message: Any) -> Awaitable[Any]:
        awaitable = callback(message)
        return run_eagerly(awaitable) if asyncio.iscoroutine(awaitable) else awaitable

    return run


class EagerDrainConsumer(faust_aiokafka.Consumer):
    """Faust's aiokafka consumer whose drain loop skips `wait_first` for a callback that finished (2. above)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.callback = eager(self.callback)  # the drain loop is its only caller

    async def wait_first(self, *coros: Any, timeout: Any = None) -> WaitResults:
        first = coros[0] if coros else None
        if not isinstance(first, Finished):
            return await super().wait_first(*coros, timeout=timeout)
        for other in coros[1:]:  # `suspend_flow.wait()`, made for a wait that is not needed
            if asyncio.iscoroutine(other):
                other.close()
        if self.should_stop:
            return WaitResults([], [], True)  # as mode's `wait_first` reports a stopping service
        return WaitResults([first], [first.value], False)


class SnapshotFlushProducer(faust_aiokafka.Producer):
    """Faust's aiokafka producer whose `flush` waits for what was buffered or sent when it began (3. above).

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
