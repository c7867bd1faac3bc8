"""Build every stage's handlers from the topology: the one place the chain is wired.

An engine supplies, per stage, the state table (a mapping from entity key to state bytes) and an emitter;
it gets back a `Stage` per `StageSpec` that takes one message (`handle`) or, for a batched stage, many
(`handle_batch`). Faust agents, Quix Streams dataframes and `LocalPipeline` all call these.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agents.emit import Emitter
from agents.exceptions import RecordTableError
from agents.handlers import (
    AccountHandler,
    Counters,
    EntityHandler,
    InlineScoringHandler,
    LabelRouter,
    Limits,
    ScoreHandler,
    Source,
    StrategySource,
    Table,
)
from agents.topology import ScoreLayout, StageSpec, TopicNames, stage_specs
from risk.features.entities import CounterpartyStage, DeviceStage, LocationStage
from tables.codec import BytesTable, StateStore

Handle = Callable[[Source], None]


@dataclass(frozen=True)
class PipelineConfig:
    """What every engine needs to build the pipeline; `app` makes it from the settings."""

    names: TopicNames
    limits: Limits
    score_layout: ScoreLayout
    partitions: int


@dataclass(frozen=True)
class Stage:
    spec: StageSpec
    routes: dict[str, Handle]
    batch: Callable[[Sequence[Source]], None] | None = None

    def handle(self, source: Source) -> None:
        self.routes[source.topic](source)

    def handle_batch(self, sources: Sequence[Source]) -> None:
        if self.batch is not None:
            self.batch(sources)
            return
        for source in sources:
            self.handle(source)


def _record_table(table: Table) -> BytesTable:
    """The first-decision record keeps a value per transaction beside each account's index, in an engine's
    table of bytes; an in-process run keeps no record (`record_decisions=False`)."""
    if isinstance(table, StateStore):
        raise RecordTableError("the first-decision record needs an engine's table of bytes, not a store of "
                               "decoded state: run in process with record_decisions=False")
    return table


def build_stages(names: TopicNames, limits: Limits, counters: Counters, strategy_source: StrategySource, *,
                 score_layout: ScoreLayout, table_for: Callable[[str], Table], emitter_for: Callable[[str], Emitter],
                 clock: Callable[[], float] = time.time, record_decisions: bool = True) -> dict[str, Stage]:
    """`table_for(entity)` and `emitter_for(stage name)` are the engine's ports; returns stages by name.
    `record_decisions=False` keeps no first-decision record (offline, where nothing is redelivered)."""
    specs = {spec.name: spec for spec in stage_specs(names, score_layout)}
    account = AccountHandler(table_for("account"), emitter_for("account-stage"), names, limits, counters, clock)
    device = EntityHandler(DeviceStage(), table_for("device"), emitter_for("device-stage"), names.location_stage,
                           LocationStage(), limits, counters)
    location = EntityHandler(LocationStage(), table_for("location"), emitter_for("location-stage"),
                             names.counterparty_stage, CounterpartyStage(), limits, counters)
    score_stage = "score-stage" if score_layout == "batched" else "counterparty-stage"
    decided = (_record_table(table_for(specs["score-stage"].table or ""))
               if "score-stage" in specs and record_decisions else None)
    score = ScoreHandler(emitter_for(score_stage), names, counters, strategy_source, clock, decided=decided,
                         first_decision=limits.first_decision)
    counterparty = (
        EntityHandler(CounterpartyStage(), table_for("counterparty"), emitter_for("counterparty-stage"),
                      names.score_stage, None, limits, counters)
        if score_layout == "batched"
        else InlineScoringHandler(CounterpartyStage(), table_for("counterparty"), score, limits, counters))
    labels = LabelRouter(emitter_for("label-router"), names, limits, counters, clock)
    routes: dict[str, dict[str, Handle]] = {
        "account-stage": {names.transactions: account.on_transaction, names.account_events: account.on_event,
                          names.rekey: account.on_rekeyed},
        "device-stage": {names.device_stage: device.on_envelope},
        "location-stage": {names.location_stage: location.on_envelope},
        "counterparty-stage": {names.counterparty_stage: counterparty.on_envelope},
        "score-stage": {names.score_stage: score.on_envelope},
        "label-router": {names.fraud_labels: labels.on_label},
    }
    stages = {name: Stage(spec, routes[name], score.on_batch if spec.batched else None)
              for name, spec in specs.items()}
    for stage in stages.values():
        assert set(stage.routes) == set(stage.spec.inputs), f"{stage.spec.name}: routes and topology disagree"
    return stages
