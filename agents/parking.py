"""Park the partition whose output the broker refuses: stop that partition, loudly, and keep the others going.

An input whose output cannot be produced (a decision over the topic's `max.message.bytes`) must never be
acknowledged: committed past, it would be neither decided nor dead-lettered. Stopping the whole worker for it
crash-looped every worker that got the partition and stopped every other partition with it. Instead the
engine parks the input's partition: it stops consuming it, never commits at or past the refused input, and
retries from that input after `retry_s`, doubling up to `MAX_BACKOFF` times that. Once the broker takes the
outputs (the operator raised the topic's limit) the partition goes on with nothing lost; the outputs the broker
had already taken from that input are sent again, as after a crash (the first decision, byte for byte).

This is the engine-free state machine, one per worker; each engine's adapter pauses, positions and resumes
its consumer as told (`app/quix_parking.py`, `app/faust_parking.py`):

    ACTIVE --refused(offset)--> PARKED --due()--> RETRYING --delivered(offset)--> ACTIVE
                                  ^                   |
                                  +-----refused-------+

Parked state belongs to the partition's owner: on a rebalance the adapter `forget`s it, and the next owner
meets the same record and parks it in turn. `snapshot()` may be read from another thread (metrics, /ready).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import structlog

log = structlog.get_logger(__name__)

TP = tuple[str, int]
MAX_BACKOFF = 8  # the retry interval doubles after each refused retry, up to this many times `retry_s`


@dataclass(frozen=True)
class ParkedPartition:
    """`offset`: the refused input; nothing at or after it is committed, and each retry starts there."""

    topic: str
    partition: int
    offset: int
    code: str  # the broker's or client's error name, e.g. MSG_SIZE_TOO_LARGE
    error: str
    parked_at: float  # on the Parking's clock (monotonic seconds)
    retry_at: float
    attempts: int = 0  # retries refused so far
    retrying: bool = False  # consumption resumed from `offset`; not yet confirmed delivered


class Parking:
    """Which of this worker's partitions are parked, and when each is retried."""

    def __init__(self, retry_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._retry_s = retry_s
        self._clock = clock
        self._parked: dict[TP, ParkedPartition] = {}
        self._later: dict[TP, tuple[int, str, str]] = {}  # a later input refused while retrying an earlier one
        self._positions: dict[TP, int] = {}  # partitions the engine must pause and position at an offset
        self._holding: frozenset[TP] = frozenset()  # parked and not retrying: their events are not processed
        self._view: tuple[ParkedPartition, ...] = ()

    def refused(self, topic: str, partition: int, offset: int, code: str, error: str) -> None:
        """An output of the input at `offset` was refused for good (after the producer's own retries)."""
        tp = (topic, partition)
        now = self._clock()
        current = self._parked.get(tp)
        if current is None:
            parked = ParkedPartition(topic, partition, offset, code, error[:500], now, now + self._backoff(0))
        elif current.retrying and offset > current.offset:
            later = self._later.get(tp)
            if later is None or offset < later[0]:
                self._later[tp] = (offset, code, error[:500])
            return  # known once the retried input is through: parked there then, or re-read from it
        elif current.retrying:
            attempts = current.attempts + 1
            parked = replace(current, offset=offset, code=code, error=error[:500], attempts=attempts,
                             retry_at=now + self._backoff(attempts), retrying=False)
            self._later.pop(tp, None)  # re-read from `offset` anyway
        elif offset < current.offset:
            parked = replace(current, offset=offset, code=code, error=error[:500])
        else:
            return  # a later input of a parked partition: it is read again from the parked offset
        self._parked[tp] = parked
        self._positions[tp] = parked.offset
        self._publish()
        log.error("partition.parked", topic=topic, partition=partition, offset=parked.offset, code=code,
                  error=parked.error, attempt=parked.attempts, retry_in_s=round(parked.retry_at - now, 1),
                  action="consumption of this partition paused; nothing from this offset on is committed; "
                         "retried from it (raise the topic's limit, or fix the output)")

    def holds(self, topic: str, partition: int) -> bool:
        """True while the partition is parked (not retrying): the engine must not process its events."""
        return (topic, partition) in self._holding

    def retrying(self, topic: str, partition: int) -> bool:
        parked = self._parked.get((topic, partition))
        return parked is not None and parked.retrying

    def parked(self) -> bool:
        return bool(self._parked)

    def take_positions(self) -> list[tuple[str, int, int]]:
        """(topic, partition, offset) the engine must pause and position at, since it last asked."""
        positions, self._positions = self._positions, {}
        return [(topic, partition, offset) for (topic, partition), offset in positions.items()
                if (topic, partition) in self._parked]

    def due(self) -> list[ParkedPartition]:
        """Parked partitions whose retry time has come, now retrying: the engine resumes each from its offset."""
        now = self._clock()
        due = [p for p in self._parked.values() if not p.retrying and p.retry_at <= now]
        for parked in due:
            self._parked[(parked.topic, parked.partition)] = replace(parked, retrying=True)
            log.warning("partition.retrying", topic=parked.topic, partition=parked.partition, offset=parked.offset,
                        attempt=parked.attempts + 1, parked_s=round(now - parked.parked_at, 1))
        if due:
            self._publish()
        return [replace(parked, retrying=True) for parked in due]

    def delivered(self, topic: str, partition: int, offset: int) -> None:
        """Every output of the input at `offset` was taken by the broker: a retry through it resumes the partition."""
        tp = (topic, partition)
        parked = self._parked.get(tp)
        if parked is None or not parked.retrying or offset < parked.offset:
            return
        del self._parked[tp]
        self._publish()
        log.warning("partition.resumed", topic=topic, partition=partition, offset=parked.offset,
                    attempts=parked.attempts + 1, parked_s=round(self._clock() - parked.parked_at, 1))
        later = self._later.pop(tp, None)
        if later is not None:
            self.refused(topic, partition, *later)

    def commit_limit(self, topic: str, partition: int) -> int | None:
        """The offset the partition's commits must stay at or below (None: not parked)."""
        parked = self._parked.get((topic, partition))
        return None if parked is None else parked.offset

    def forget(self, partitions: Iterable[TP]) -> None:
        """The partitions left this worker (or came back afresh): their new owner meets the record itself."""
        gone = [tp for tp in partitions if tp in self._parked]
        for tp in gone:
            parked = self._parked.pop(tp)
            self._later.pop(tp, None)
            self._positions.pop(tp, None)
            log.warning("partition.parked_forgotten", topic=parked.topic, partition=parked.partition,
                        offset=parked.offset, reason="rebalance: the partition's owner parks it again if needed")
        if gone:
            self._publish()

    def snapshot(self) -> tuple[ParkedPartition, ...]:
        return self._view

    def _backoff(self, attempts: int) -> float:
        return self._retry_s * min(2 ** attempts, MAX_BACKOFF)

    def _publish(self) -> None:
        # one reference swap each: readers on other threads see a consistent set
        self._view = tuple(sorted(self._parked.values(), key=lambda p: (p.topic, p.partition)))
        self._holding = frozenset(tp for tp, parked in self._parked.items() if not parked.retrying)
