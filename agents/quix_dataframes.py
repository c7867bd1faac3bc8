"""Quix Streams engine: one StreamingDataFrame per stage of the topology, over the same handlers.

- State lives in Quix's RocksDB stores, backed by changelog topics (`changelog__<group>--<topics>--default`)
  and recovered on rebalance. The account stage reads three topics; `concat` gives them one shared store.
- Outputs go through the application's own producer inside the processing function, so they are part of
  the checkpoint: flushed before the input offsets are committed (at-least-once), or inside the Kafka
  transaction (exactly-once). A kill -9 between checkpoints replays inputs against the state of the last
  checkpoint, and the stages' dedupe windows make the replayed decisions equal the first.
- Stages are linked by our own stage topics, keyed by entity, as on Faust: both engines read and write
  the same topic contract, and the repartitioning is explicit rather than named by the framework.
- With a `Parker` (at-least-once), each output carries its input's position to its delivery report: an output
  the broker refuses parks that input's partition (`agents.parking`), whose events are then left unprocessed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from quixstreams import Application, message_context
from quixstreams.dataframe import StreamingDataFrame

from agents.handlers import Counters, Source, StrategySource
from agents.pipeline import PipelineConfig, Stage, build_stages
from agents.topology import STATE_TABLES
from tables.quix_state import QuixStateTable


class Parker(Protocol):
    """What the dataframes ask of the worker's partition parking (`app/quix_parking.py`)."""

    def holds(self, topic: str, partition: int) -> bool: ...

    def refused(self, topic: str, partition: int, offset: int, error: Any) -> None: ...


class QuixEmitter:
    """Raw bytes straight to the application's producer: no serializer, and inside the checkpoint."""

    def __init__(self, producer: Any, parker: Parker | None = None) -> None:
        self._producer = producer
        self._parker = parker

    def send(self, topic: str, key: bytes, value: bytes, headers: dict[str, bytes] | None = None) -> None:
        listed = list(headers.items()) if headers else None
        if self._parker is None:
            self._producer.produce(topic=topic, key=key, value=value, headers=listed)
            return
        context = message_context()  # the input this output belongs to
        self._producer.produce(topic=topic, key=key, value=value, headers=listed,
                               on_delivery=partial(self._delivered, context.topic, context.partition, context.offset))

    def _delivered(self, topic: str, partition: int, offset: int, error: Any, message: Any) -> None:
        if error is not None and self._parker is not None:
            self._parker.refused(topic, partition, offset, error)


@dataclass
class QuixPipeline:
    counters: Counters
    dataframes: dict[str, StreamingDataFrame]


def _stateful(stage: Stage, table: QuixStateTable, parker: Parker | None) -> Callable[..., None]:
    def process(value: bytes, key: bytes | None, timestamp: int, headers: Any, state: Any) -> None:
        context = message_context()
        if parker is not None and parker.holds(context.topic, context.partition):
            return  # read again from the parked offset when retried
        table.bind(key, state)
        stage.handle(Source(context.topic, context.partition, context.offset, key, value))

    return process


def _stateless(stage: Stage, parker: Parker | None) -> Callable[..., None]:
    def process(value: bytes, key: bytes | None, timestamp: int, headers: Any) -> None:
        context = message_context()
        if parker is not None and parker.holds(context.topic, context.partition):
            return
        stage.handle(Source(context.topic, context.partition, context.offset, key, value))

    return process


def build_dataframes(app: Application, config: PipelineConfig, strategy_source: StrategySource,
                     parker: Parker | None = None) -> QuixPipeline:
    """`parker`: park a partition whose output the broker refuses (None: a refusal fails the checkpoint)."""
    counters = Counters()
    tables = {entity: QuixStateTable(entity) for entity in STATE_TABLES}
    emitter = QuixEmitter(app._processing_context.producer, parker)  # the checkpoint's own producer (private API)
    stages = build_stages(config.names, config.limits, counters, strategy_source, score_layout=config.score_layout,
                          table_for=tables.__getitem__, emitter_for=lambda _: emitter)
    dataframes: dict[str, StreamingDataFrame] = {}
    for name, stage in stages.items():
        topics = [app.topic(topic, key_deserializer="bytes", value_deserializer="bytes", key_serializer="bytes",
                            value_serializer="bytes") for topic in stage.spec.inputs]
        sdf = app.dataframe(topics[0])
        for topic in topics[1:]:
            sdf = sdf.concat(app.dataframe(topic))
        if stage.spec.table is not None:
            sdf = sdf.update(_stateful(stage, tables[stage.spec.table], parker), stateful=True, metadata=True)
        else:
            sdf = sdf.update(_stateless(stage, parker), metadata=True)
        dataframes[name] = sdf
    # `concat` of different topics asks for time-aligned consumption, which holds a partition back until the
    # others have data or are known idle. The stages handle event time and lateness themselves, and an
    # account's inputs need no cross-topic ordering beyond what each topic gives, so plain polling is used.
    app._dataframe_registry._requires_time_alignment = False
    return QuixPipeline(counters, dataframes)
