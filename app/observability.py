"""Wires a worker's readiness, Prometheus metrics and offset monitor from its engine's hooks (both engines)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from agents.handlers import Counters
from agents.parking import ParkedPartition
from agents.topology import stage_specs
from app.control import ControlPlane, StrategyHolder
from app.metrics import WorkerMetrics
from app.offsets import OffsetMonitor
from app.readiness import TP, Assignment, Readiness
from app.settings import Settings


@dataclass(frozen=True)
class Observability:
    readiness: Readiness
    metrics: WorkerMetrics
    offsets: OffsetMonitor


def observe_worker(settings: Settings, counters: Counters, holder: StrategyHolder, control: ControlPlane,
                   assignment: Assignment, acked: Callable[[], Mapping[TP, int]],
                   recovered: Callable[[], bool],
                   parked: Callable[[], Sequence[ParkedPartition]] = tuple) -> Observability:
    """`assignment`, `acked`, `recovered` and `parked` come from the engine; everything else is engine-neutral."""
    readiness = Readiness(assignment, recovered, lambda: control.caught_up, parked)
    inputs = {topic for spec in stage_specs(settings.topic_names(), settings.score_stage) for topic in spec.inputs}
    offsets = OffsetMonitor(settings.bootstrap_servers, settings.app_id, inputs, assignment.current, acked,
                            settings.metrics_interval_s)
    metrics = WorkerMetrics(counters, holder.versions_dict, offsets.snapshot, readiness.ready, parked)
    return Observability(readiness, metrics, offsets)
