"""Run the streaming handlers in-process, without Kafka: the engine behind backtest and the parity test.

Messages a handler emits to a stage topic are delivered to the next handler at once (depth-first), which is
exactly the order a single-partition deployment processes them in; the score stage takes them in
batches of `score_batch`, as the worker's does (call `flush()` after `feed()`; `run()` does). Decisions,
alerts, block commands and dead letters are collected. Because these are the agents' own handlers, built
from the same topology, offline and online cannot drift.

Nothing here leaves the process, so by default (`in_process=True`) envelopes and output records pass between
stages as objects and the busiest entities' state stays decoded (`tables.codec.LiveStore`): the handlers
are the same, only the encoding a topic needs is skipped. `in_process=False` encodes every hop as an engine
does; the parity tests hold the two equal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from agents.emit import Emitter, InProcessEmitter
from agents.envelope import Envelope
from agents.handlers import Counters, Limits, Source, StrategySource, Table
from agents.pipeline import build_stages
from agents.topology import DECIDED, TopicNames
from risk.features.common import StageConfig
from risk.validation import TimeBounds
from tables.codec import LiveStore


class _Forgetful(dict[bytes, bytes]):
    """Offline runs keep no first-decision record: nothing is redelivered there."""

    def __setitem__(self, key: bytes, value: bytes) -> None:
        pass

    def __delitem__(self, key: bytes) -> None:
        pass


@dataclass
class Collected:
    decisions: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    blocks: list[dict[str, Any]] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class _Encoding:
    """The pipeline as an engine sees its emitter: bytes only (`in_process=False`)."""

    pipeline: LocalPipeline

    def send(self, topic: str, key: bytes, value: bytes, headers: dict[str, bytes] | None = None) -> None:
        self.pipeline.send(topic, key, value, headers)


class LocalPipeline(InProcessEmitter):
    """`strategy_source` returns (strategy, response plan), as the streaming holder does; `state_cache` is how
    many entities per table stay decoded in process."""

    def __init__(self, strategy_source: StrategySource, *, stage: StageConfig | None = None,
                 utc_offset_minutes: int = 480, clock: Callable[[], float] | None = None,
                 score_batch: int = 256, in_process: bool = True, state_cache: int = 1024) -> None:
        self.names = TopicNames.with_prefix("")
        limits = Limits(max_bytes=1 << 20, bounds=TimeBounds(0, 0), utc_offset_minutes=utc_offset_minutes,
                        stage=stage or StageConfig())
        self.tables: dict[str, dict[bytes, bytes]] = defaultdict(dict)
        self._stores: list[LiveStore] = []
        self._in_process, self._state_cache = in_process, state_cache
        self.counters = Counters()
        self.out = Collected()
        self._offsets: dict[str, int] = defaultdict(int)
        emitter: Emitter = self if in_process else _Encoding(self)
        # Offline nothing is redelivered (the account stage drops a repeated id), so the score stage's
        # first-decision record would only grow with the history: in process it is not kept at all.
        stages = build_stages(self.names, limits, self.counters, strategy_source, score_layout="batched",
                              table_for=self._table, emitter_for=lambda _: emitter,
                              clock=clock or (lambda: 0.0), record_decisions=not in_process)
        self._stage_of = {topic: stage for stage in stages.values() for topic in stage.spec.inputs}
        self._score = stages["score-stage"]
        self._score_batch = score_batch
        self._pending_scores: list[Source] = []
        self._sinks = {self.names.decisions: self.out.decisions, self.names.alerts: self.out.alerts,
                       self.names.blocks: self.out.blocks, self.names.dead_letter: self.out.dead_letters}

    def _table(self, name: str) -> Table:
        if name == DECIDED:
            return _Forgetful()
        if not self._in_process:
            return self.tables[name]
        store = LiveStore(self.tables[name], self._state_cache)
        self._stores.append(store)
        return store

    def send(self, topic: str, key: bytes, value: bytes, headers: dict[str, bytes] | None = None) -> None:
        if topic in self._sinks:
            self._sinks[topic].append(orjson.loads(value))
            return
        self.feed(topic, key, value)

    def send_envelope(self, topic: str, key: bytes, env: Envelope, facts: Any = None) -> None:
        self._deliver(topic, Source(topic, 0, self._next_offset(topic), key, None, env, facts))

    def send_record(self, topic: str, key: bytes, record: dict[str, Any]) -> None:
        self._sinks[topic].append(record)

    def _next_offset(self, topic: str) -> int:
        offset = self._offsets[topic]
        self._offsets[topic] = offset + 1
        return offset

    def feed(self, topic: str, key: bytes | None, value: bytes) -> None:
        """Deliver one message as if it had been read from `topic` (offsets count per topic)."""
        self._deliver(topic, Source(topic, 0, self._next_offset(topic), key, value))

    def _deliver(self, topic: str, source: Source) -> None:
        stage = self._stage_of[topic]
        if stage is self._score:
            self._pending_scores.append(source)
            if len(self._pending_scores) >= self._score_batch:
                self._score_pending()
            return
        stage.handle(source)

    def flush(self) -> None:
        """Score what the score stage holds (it batches as the worker's does, so only when outputs appear
        changes, not what they are); `tables` then holds every entity's state bytes."""
        self._score_pending()
        for store in self._stores:
            store.flush()

    def _score_pending(self) -> None:
        batch, self._pending_scores = self._pending_scores, []
        if batch:
            self._score.handle_batch(batch)

    def run(self, records: Iterable[tuple[str, bytes | None, bytes]]) -> Collected:
        """Feed `(input topic, key, value)` records in order, then flush; returns everything emitted so far."""
        for topic, key, value in records:
            self.feed(topic, key, value)
        self.flush()
        return self.out
