"""The stage contract and its runner: dedupe, lateness, one state mutation per event.

Each entity kind (account, device, location, counterparty) implements `EntityStage`. The runner is the
only place that decides whether an event is new, a redelivery (same source position: re-emit what was
emitted before, count nothing) or a duplicate transaction id (drop), and whether it is too late to count.
Streaming agents, replay and backtest all go through `run_stage`, so they compute identical features.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum
from functools import cache
from operator import itemgetter
from typing import Any, NamedTuple, Protocol

from risk.facts import TxFacts
from risk.features.common import FeatureValues, StageConfig, State, find_seen, remember


class Status(StrEnum):
    NEW = "new"
    LATE = "late"  # decided on current state, not added to it
    REDELIVERED = "redelivered"  # seen at this position before: emitted again unchanged
    DUPLICATE = "duplicate"  # same transaction id from another position: dropped
    ABSENT = "absent"  # the transaction has no such entity (e.g. no device id)


class EntityStage(Protocol):
    name: str
    feature_names: tuple[str, ...]

    def key(self, facts: TxFacts) -> str | None: ...

    def new_state(self) -> State: ...

    def compute(self, state: State, facts: TxFacts, cfg: StageConfig) -> FeatureValues: ...

    def update(self, state: State, facts: TxFacts, cfg: StageConfig) -> None: ...

    def absent(self, facts: TxFacts) -> FeatureValues: ...


@cache
def _in_order(names: tuple[str, ...]) -> Callable[[FeatureValues], list[Any]]:
    """The values of `names`, in that order, as a list (one C call per event rather than a comprehension)."""
    if len(names) == 1:
        return lambda features: [features[names[0]]]
    getter = itemgetter(*names)
    return lambda features: list(getter(features))


class StageOutcome(NamedTuple):  # a tuple: one is made per stage and event
    state: State | None  # None: nothing to write
    features: FeatureValues
    status: Status
    elapsed_ms: float


def run_stage(
    stage: EntityStage,
    state: State | None,
    facts: TxFacts,
    tag: str,
    cfg: StageConfig,
    *,
    drop_duplicates: bool = False,
    clock: Callable[[], float] = time.perf_counter,
) -> StageOutcome:
    """Apply one transaction to one entity's state.

    `tag` names the event's source position (topic/partition/offset, or a sequence number offline).
    With `drop_duplicates` (the first stage) a known transaction id at a different position is a
    duplicate input; later stages treat any repeat as a redelivery from upstream.
    """
    started = clock()
    if stage.key(facts) is None:
        return StageOutcome(None, stage.absent(facts), Status.ABSENT, 0.0)
    state = state if state is not None else stage.new_state()
    entry = find_seen(state, facts.transaction_id)
    if entry is not None:
        if drop_duplicates and entry.tag != tag:
            return StageOutcome(None, {}, Status.DUPLICATE, 0.0)
        if entry.values is None:  # remembered, snapshot aged out: recompute on current state, count nothing
            return StageOutcome(None, stage.compute(state, facts, cfg), Status.REDELIVERED, entry.elapsed_ms)
        return StageOutcome(None, dict(zip(stage.feature_names, entry.values, strict=True)), Status.REDELIVERED,
                            entry.elapsed_ms)
    features = stage.compute(state, facts, cfg)
    watermark = state.get("wm")
    late = watermark is not None and facts.event_time_ms < watermark - cfg.lateness_ms
    if not late:
        state["wm"] = facts.event_time_ms if watermark is None else max(watermark, facts.event_time_ms)
        stage.update(state, facts, cfg)
    elapsed_ms = round((clock() - started) * 1000, 3)
    remember(state, facts.transaction_id, tag, _in_order(stage.feature_names)(features), elapsed_ms, cfg)
    return StageOutcome(state, features, Status.LATE if late else Status.NEW, elapsed_ms)
