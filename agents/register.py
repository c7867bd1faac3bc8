"""Faust engine: one agent per stage of the topology, over the same handlers as every other engine.

Concurrency 1 per agent: at-least-once stays correct (faust-streaming #606). Handlers are synchronous and
leave their outputs in the stage's outbox; the agent hands them to the producer before it takes the next
event, and the `DeliveryGuard` holds the event's ack until the broker has taken every one of them (a send the
broker refuses never lets its input be committed). Such a refusal parks the input's partition (`agents.parking`,
`app/faust_parking.py`): its events still buffered in the stream are withheld, neither processed nor acked,
and read again from the refused input when the partition is retried.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import faust
import structlog

from agents.delivery import DeliveryGuard
from agents.emit import Outbox, Output
from agents.handlers import Counters, Source, StrategySource
from agents.parking import Parking
from agents.pipeline import PipelineConfig, Stage, build_stages
from tables.state import FaustBytesTable

log = structlog.get_logger(__name__)

SEND_ATTEMPTS = 3  # a send the producer refuses at once (its buffer full, a metadata timeout) is tried again
SEND_BACKOFF_S = 0.5


class FaustEmitter:
    """Sends outputs through the app's producer; the agent holds each input's ack on their futures (at-least-once)."""

    def __init__(self, app: faust.App) -> None:
        self._app = app

    async def send(self, topic: str, key: bytes, value: bytes, headers: dict[str, bytes] | None = None) -> Any:
        """Hands the record to the producer; returns the future the broker's answer resolves. Bytes go to the
        producer as they are, partitioned by key as a Faust topic's send would (the producer's default
        partitioner), without the topic's per-message envelope, callbacks and sensors. The worker creates every
        topic before the app starts (`app.topics.ensure_topics`)."""
        producer = await self._app.maybe_start_producer()  # as a topic's send asks (at once when running)
        return await producer.send(topic, key, value, None, None, headers)

    async def send_with_retry(self, output: Output) -> Any:
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                return await self.send(*output)
            except Exception as error:
                if attempt == SEND_ATTEMPTS:
                    raise
                log.warning("output.send_retry", topic=output.topic, attempt=attempt,
                            error=f"{type(error).__name__}: {error}"[:300])
                await asyncio.sleep(SEND_BACKOFF_S * attempt)
        raise AssertionError("unreachable")


@dataclass
class Pipeline:
    counters: Counters
    emitter: FaustEmitter
    guard: DeliveryGuard


def _source(event: Any) -> Source:
    message = event.message
    return Source(message.topic, message.partition, message.offset, message.key, message.value)


def forget_unacked(app: faust.App, message: Any) -> None:
    """`message` is never acked (its partition is parked): a rebalance must not wait for it (Faust's
    `wait_empty` waits for every message in this private set)."""
    consumer: Any = app.consumer  # `_unacked_messages` is on faust's Consumer, not on ConsumerT
    consumer._unacked_messages.discard(message)


def _withhold(app: faust.App, message: Any) -> None:
    """Never ack `message`: one reference more than the stream will release."""
    message.incref()
    forget_unacked(app, message)


def _ack_when_delivered(app: faust.App, message: Any, futures: list[Any]) -> None:
    """Ack `message` once every future succeeded; never when one fails (the guard then parks its partition).

    `deliver` took a reference on `message` first, so the stream's own ack is not the last one: Faust's compiled
    stream iterator (`faust/_cython/streams.pyx`) acks an event inline when the agent moves on, past
    `Consumer.ack` and so past the guard's `defer`, which only the pure-Python iterator consults."""
    remaining = len(futures)
    if not remaining:
        message.ack(app.consumer)
        return

    def done(future: Any) -> None:
        nonlocal remaining
        if future.cancelled() or future.exception() is not None:
            return
        remaining -= 1
        if remaining == 0:
            message.ack(app.consumer)

    for future in futures:
        future.add_done_callback(done)


def _handler_failed(stage: str, message: Any, outbox: Outbox, guard: DeliveryGuard, error: Exception) -> None:
    """A handler raised instead of dead-lettering: a table write refused by Faust (`PartitionsMismatch`: a changelog
    topic whose partition count differs from its source's), or a bug. Faust would end the agent and ack the event
    on its way out, so the input would be committed undecided; instead it is held for good (never acked), its
    partial outputs are dropped, and its partition parks (`agents.parking`): loud, retried, nothing lost."""
    outbox.drain()
    message.incref()  # the stream's own ack is not the last one
    log.error("stage.handler_failed", stage=stage, topic=message.topic, partition=message.partition,
              offset=message.offset, error=f"{type(error).__name__}: {error}"[:500])
    guard.refuse(message, error)


def register_agents(app: faust.App, config: PipelineConfig, tables: dict[str, Any],
                    strategy_source: StrategySource, guard: DeliveryGuard, parking: Parking) -> Pipeline:
    """`guard` holds each input's ack until its outputs are delivered; the consumer must ask it (`defer`). Its
    `on_failure` parks the input's partition in `parking`, whose held partitions the agents leave alone."""
    emitter = FaustEmitter(app)
    counters = Counters()
    outboxes: dict[str, Outbox] = {}
    stages = build_stages(config.names, config.limits, counters, strategy_source, score_layout=config.score_layout,
                          table_for=lambda name: FaustBytesTable(tables[name]),
                          emitter_for=lambda name: outboxes.setdefault(name, Outbox()))

    async def deliver(outbox: Outbox, message: Any) -> None:
        message.incref()  # released by `_ack_when_delivered` (see there), kept for good when an output is refused
        futures = []
        for output in outbox.drain():
            try:
                futures.append(await emitter.send_with_retry(output))
            except Exception as error:
                guard.refuse(message, error)  # never acked: its partition is parked
                return
        guard.hold(message, futures)
        _ack_when_delivered(app, message, futures)
        if parking.retrying(message.topic, message.partition):
            # the retried input of a parked partition: its answer decides whether the partition goes on, so
            # nothing after it is processed first (the guard's callbacks, added before, park it again on a refusal)
            answers = await asyncio.gather(*futures, return_exceptions=True)
            if not any(isinstance(answer, BaseException) for answer in answers):
                parking.delivered(message.topic, message.partition, message.offset)

    def stage_agent(stage: Stage, outbox: Outbox) -> None:
        inputs = app.topic(*stage.spec.inputs, key_type=bytes, value_type=bytes, key_serializer="raw",
                           value_serializer="raw")
        # Every stage takes one event at a time, the score stage too: it writes its first-decision record, and
        # Faust routes a table write to its changelog partition through the current event, which a batch
        # (`take_events`) does not set; a batch writing a table was seen to stall after a rebalance.
        @app.agent(inputs, name=stage.spec.name)
        async def each(stream: Any) -> None:
            async for event in stream.events():
                message = event.message
                if parking.holds(message.topic, message.partition):
                    _withhold(app, message)
                    continue
                try:
                    stage.handle(_source(event))
                except Exception as error:  # a handler that raised instead of dead-lettering
                    _handler_failed(stage.spec.name, message, outbox, guard, error)
                    continue
                await deliver(outbox, message)

    for name, stage in stages.items():
        stage_agent(stage, outboxes.setdefault(name, Outbox()))

    @app.timer(interval=30.0)
    async def report_counters() -> None:
        if counters.counts:
            log.info("pipeline.counters", **dict(counters.counts))

    return Pipeline(counters, emitter, guard)
