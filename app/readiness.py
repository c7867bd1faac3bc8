"""What a worker owns and whether it may take traffic: `/ready`, as opposed to `/health` (alive at all).

Ready means all three: the group gave this worker partitions, their state is recovered (changelogs
replayed), and the control topic has been read up to its end once (so no decision is made by a default
ruleset while the published one is still being read). Each engine feeds `Assignment` from its rebalance
callbacks and supplies the two checks; the web servers only read `Readiness`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

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

    def checks(self) -> dict[str, bool]:
        return {"partitions_assigned": bool(self.assignment.current()), "state_recovered": self.recovered(),
                "control_read": self.control_read()}

    def ready(self) -> bool:
        return all(self.checks().values())
