"""What a worker owns and whether it may take traffic: `/ready`, as opposed to `/health` (alive at all).

Ready means all four: the group gave this worker partitions, their state is recovered (changelogs
replayed), the control topic has been read up to its end once (so no decision is made by a default
ruleset while the published one is still being read), and no partition is parked (an output of it the broker
refused, `agents.parking`: the worker lives and decides the others, but not all it owns). Each engine feeds
`Assignment` from its rebalance callbacks and supplies the checks; the web servers only read `Readiness`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from agents.parking import ParkedPartition

TP = tuple[str, int]


class Assignment:
    """The partitions the engine currently assigns to this worker; one reference swap per change, so a web
    thread can read it while the engine's thread updates it."""

    def __init__(self) -> None:
        self._partitions: frozenset[TP] = frozenset()

    def assigned(self, partitions: Iterable[TP]) -> None:
        self._partitions = self._partitions | {(topic, int(partition)) for topic, partition in partitions}

    def revoked(self, partitions: Iterable[TP]) -> None:
        self._partitions = self._partitions - {(topic, int(partition)) for topic, partition in partitions}

    def current(self) -> frozenset[TP]:
        return self._partitions


@dataclass
class AckedPositions:
    """Next offset after the last record the engine finished, per partition (engine callbacks write it)."""

    positions: dict[TP, int] = field(default_factory=dict)

    def acked(self, topic: str, partition: int, offset: int) -> None:
        key = (topic, partition)
        if offset + 1 > self.positions.get(key, -1):
            self.positions[key] = offset + 1

    def snapshot(self) -> dict[TP, int]:
        return dict(self.positions)


@dataclass(frozen=True)
class Readiness:
    assignment: Assignment
    recovered: Callable[[], bool]
    control_read: Callable[[], bool]
    parked: Callable[[], Sequence[ParkedPartition]] = tuple

    def checks(self) -> dict[str, bool]:
        return {"partitions_assigned": bool(self.assignment.current()), "state_recovered": self.recovered(),
                "control_read": self.control_read(), "no_partition_parked": not self.parked()}

    def ready(self) -> bool:
        return all(self.checks().values())


def parked_report(parked: Sequence[ParkedPartition], now: float) -> list[dict[str, object]]:
    """What /ready says of each parked partition (`now` on the parking's clock, monotonic seconds)."""
    return [{"topic": p.topic, "partition": p.partition, "offset": p.offset, "code": p.code, "error": p.error,
             "parked_s": round(now - p.parked_at, 1), "attempts": p.attempts, "retrying": p.retrying,
             "retry_in_s": 0.0 if p.retrying else round(max(p.retry_at - now, 0.0), 1)} for p in parked]
