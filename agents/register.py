"""Wire handlers to Faust topics and agents. Concurrency 1 per agent: at-least-once stays correct (#606)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import faust
import structlog

from agents.handlers import (
    AccountHandler,
    Counters,
    EntityHandler,
    InlineScoringHandler,
    LabelRouter,
    Limits,
    ScoreHandler,
    Source,
)
from app.settings import Settings
from app.topics import TopicNames
from risk.features.entities import CounterpartyStage, DeviceStage, LocationStage
from risk.validation import TimeBounds
from tables.state import StateTables

log = structlog.get_logger(__name__)


class FaustEmitter:
    """Sends through Faust topics so outputs are attached to the event being processed (at-least-once)."""

    def __init__(self, app: faust.App, settings: Settings, names: TopicNames) -> None:
        self._topics = {
            name: app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw",
                            partitions=1 if name == names.control else settings.partitions)
            for name in [*names.partitioned(), names.control]
        }

    def topic(self, name: str) -> Any:
        return self._topics[name]

    async def send(self, topic: str, key: bytes, value: bytes, headers: dict[str, bytes] | None = None) -> None:
        await self._topics[topic].send(key=key, value=value, headers=headers)


@dataclass
class Pipeline:
    counters: Counters
    emitter: FaustEmitter


def limits_from(settings: Settings) -> Limits:
    return Limits(
        max_bytes=settings.max_message_bytes,
        bounds=TimeBounds(settings.max_future_s * 1000, settings.max_age_s * 1000),
        utc_offset_minutes=settings.utc_offset_minutes,
        stage=settings.stage_config(),
    )


def _source(event: Any) -> Source:
    message = event.message
    return Source(message.topic, message.partition, message.offset, message.key, message.value)


def register_agents(app: faust.App, settings: Settings, tables: StateTables,
                    strategy_source: Callable[[], Any]) -> Pipeline:
    names = TopicNames.from_settings(settings)
    emitter = FaustEmitter(app, settings, names)
    counters = Counters()
    limits = limits_from(settings)

    account = AccountHandler(tables.account, emitter, names, limits, counters)
    device = EntityHandler(DeviceStage(), tables.device, emitter, names.location_stage, LocationStage(), limits,
                           counters)
    location = EntityHandler(LocationStage(), tables.location, emitter, names.counterparty_stage,
                             CounterpartyStage(), limits, counters)
    score = ScoreHandler(emitter, names, counters, strategy_source)
    counterparty: EntityHandler = (
        InlineScoringHandler(CounterpartyStage(), tables.counterparty, score, limits, counters)
        if settings.score_stage == "inline"
        else EntityHandler(CounterpartyStage(), tables.counterparty, emitter, names.score_stage, None, limits,
                           counters))
    labels = LabelRouter(emitter, names, limits, counters)

    account_inputs = app.topic(names.transactions, names.account_events, names.rekey, key_type=bytes,
                               value_type=bytes, key_serializer="raw", value_serializer="raw")

    @app.agent(account_inputs, name="account-stage")
    async def account_stage(stream: Any) -> None:
        async for event in stream.events():
            source = _source(event)
            if source.topic == names.transactions:
                await account.on_transaction(source)
            elif source.topic == names.account_events:
                await account.on_event(source)
            else:
                await account.on_rekeyed(source)

    def entity_agent(topic_name: str, handler: EntityHandler, agent_name: str) -> None:
        @app.agent(emitter.topic(topic_name), name=agent_name)
        async def stage(stream: Any) -> None:
            async for event in stream.events():
                await handler.on_envelope(_source(event))

    entity_agent(names.device_stage, device, "device-stage")
    entity_agent(names.location_stage, location, "location-stage")
    entity_agent(names.counterparty_stage, counterparty, "counterparty-stage")

    if settings.score_stage == "batched":
        @app.agent(emitter.topic(names.score_stage), name="score-stage")
        async def score_stage(stream: Any) -> None:
            # stateless, so batching is safe (#497); take_events acks a batch only after it was handled
            async for events in stream.take_events(settings.score_batch_max,
                                                   within=settings.score_batch_within_ms / 1000):
                await score.on_batch([_source(event) for event in events])

    @app.agent(emitter.topic(names.fraud_labels), name="label-router")
    async def label_router(stream: Any) -> None:
        async for event in stream.events():
            await labels.on_label(_source(event))

    @app.timer(interval=30.0)
    async def report_counters() -> None:
        if counters.counts:
            log.info("pipeline.counters", **dict(counters.counts))

    return Pipeline(counters, emitter)
