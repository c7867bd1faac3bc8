"""Run the streaming handlers in-process, without Kafka: the engine behind backtest and the parity test.

Messages a handler emits to a stage topic are delivered to the next handler at once (depth-first), which is
exactly the order a single-partition deployment processes them in; the stateless score stage takes them in
batches of `score_batch`, as the worker's does (call `flush()` after `feed()`; `run()` does). Decisions,
alerts, block commands and dead letters are collected. Because these are the agents' own handlers, offline
and online cannot drift.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from agents.handlers import (
    AccountHandler,
    Counters,
    EntityHandler,
    LabelRouter,
    Limits,
    ScoreHandler,
    Source,
)
from app.topics import TopicNames
from risk.features.common import StageConfig
from risk.features.entities import CounterpartyStage, DeviceStage, LocationStage
from risk.validation import TimeBounds


@dataclass
class Collected:
    decisions: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    blocks: list[dict[str, Any]] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)


class LocalPipeline:
    """`strategy_source` returns (strategy, response plan), as the streaming holder does."""

    def __init__(self, strategy_source: Callable[[], Any], *, stage: StageConfig | None = None,
                 utc_offset_minutes: int = 480, clock: Callable[[], float] | None = None,
                 score_batch: int = 256) -> None:
        self.names = TopicNames.with_prefix("")
        limits = Limits(max_bytes=1 << 20, bounds=TimeBounds(0, 0), utc_offset_minutes=utc_offset_minutes,
                        stage=stage or StageConfig())
        self.tables: dict[str, dict[bytes, bytes]] = defaultdict(dict)
        self.counters = Counters()
        self.out = Collected()
        self._offsets: dict[str, int] = defaultdict(int)
        clock = clock or (lambda: 0.0)
        self._account = AccountHandler(self.tables["account"], self, self.names, limits, self.counters, clock)
        self._device = EntityHandler(DeviceStage(), self.tables["device"], self, self.names.location_stage,
                                     LocationStage(), limits, self.counters)
        self._location = EntityHandler(LocationStage(), self.tables["location"], self,
                                       self.names.counterparty_stage, CounterpartyStage(), limits, self.counters)
        self._counterparty = EntityHandler(CounterpartyStage(), self.tables["counterparty"], self,
                                           self.names.score_stage, None, limits, self.counters)
        self._score = ScoreHandler(self, self.names, self.counters, strategy_source, clock)
        self._score_batch = score_batch
        self._pending_scores: list[Source] = []
        self._labels = LabelRouter(self, self.names, limits, self.counters, clock)
        self._routes = {
            self.names.transactions: self._account.on_transaction,
            self.names.account_events: self._account.on_event,
            self.names.rekey: self._account.on_rekeyed,
            self.names.device_stage: self._device.on_envelope,
            self.names.location_stage: self._location.on_envelope,
            self.names.counterparty_stage: self._counterparty.on_envelope,
            self.names.score_stage: self._queue_score,
            self.names.fraud_labels: self._labels.on_label,
        }
        self._sinks = {self.names.decisions: self.out.decisions, self.names.alerts: self.out.alerts,
                       self.names.blocks: self.out.blocks, self.names.dead_letter: self.out.dead_letters}

    async def send(self, topic: str, key: bytes, value: bytes, headers: dict[str, bytes] | None = None) -> None:
        if topic in self._sinks:
            self._sinks[topic].append(orjson.loads(value))
            return
        await self.feed(topic, key, value)

    async def feed(self, topic: str, key: bytes | None, value: bytes) -> None:
        """Deliver one message as if it had been read from `topic` (offsets count per topic)."""
        offset = self._offsets[topic]
        self._offsets[topic] += 1
        await self._routes[topic](Source(topic, 0, offset, key, value))

    async def _queue_score(self, source: Source) -> None:
        self._pending_scores.append(source)
        if len(self._pending_scores) >= self._score_batch:
            await self.flush()

    async def flush(self) -> None:
        """Score what the score stage holds (it batches as the worker's does; it keeps no state, so only
        when outputs appear changes, not what they are)."""
        batch, self._pending_scores = self._pending_scores, []
        await self._score.on_batch(batch)

    async def run(self, records: Iterable[tuple[str, bytes | None, bytes]]) -> Collected:
        """Feed `(input topic, key, value)` records in order, then flush; returns everything emitted so far."""
        for topic, key, value in records:
            await self.feed(topic, key, value)
        await self.flush()
        return self.out
