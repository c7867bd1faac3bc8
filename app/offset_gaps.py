"""Records that retention deleted before the group read them: reported loudly, dead-lettered, never skipped in silence.

When a partition's committed offset has fallen below its log start (a worker was down longer than the topic's
retention), both engines' consumers reset to the earliest offset with at most an INFO log, and the records in
between vanish unseen. Each engine calls `find_gaps` when partitions are assigned, before it has processed (and
so committed) anything on them; `GapReport` then logs an error, counts the skipped records and dead-letters a
gap report (`offsets_out_of_range`) for each gap, and the worker goes on from the log start.

A running worker can fall behind retention too: its next fetch is then out of range and the client resets to
the log start inside the same assignment. Each engine watches the offsets it reads (`ReadPositions`; Faust's
consumer already notices the jump), and `gap_ahead` keeps the part of a jump that the log start explains:
compaction and transaction markers leave jumps as well, but never below the log start.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import structlog

from agents.dead_letter import dead_letter_bytes
from agents.handlers import Counters
from app.readiness import TP
from schemas.dead_letter import DeadLetterCode

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class OffsetGap:
    topic: str
    partition: int
    committed: int
    log_start: int

    @property
    def skipped(self) -> int:
        return self.log_start - self.committed


def find_gaps(committed: Mapping[TP, int], log_start: Mapping[TP, int]) -> list[OffsetGap]:
    """Partitions whose committed offset (negative: none yet) lies below the log start."""
    return [OffsetGap(topic, partition, offset, log_start[(topic, partition)])
            for (topic, partition), offset in sorted(committed.items())
            if offset >= 0 and (topic, partition) in log_start and offset < log_start[(topic, partition)]]


def gap_ahead(topic: str, partition: int, expected: int, received: int, log_start: int) -> OffsetGap | None:
    """A running consumer was to read `expected` next and read `received`: the records between them that are
    below the log start were deleted unread (a gap up to the log start, or up to `received` when the log start
    has moved on since). A jump the log start does not explain (compaction, transaction markers) is no gap."""
    end = min(log_start, received)
    return OffsetGap(topic, partition, expected, end) if end > expected else None


class ReadPositions:
    """The offset each partition should deliver next, from the offsets read so far (an engine's callback writes
    it) or from where the assignment check saw it resume; a partition not known yet has no jump to check."""

    def __init__(self) -> None:
        self._next: dict[TP, int] = {}

    def read(self, topic: str, partition: int, offset: int) -> int | None:
        """Takes `offset` as read; returns the offset that was expected instead when `offset` jumped past it."""
        key = (topic, partition)
        expected = self._next.get(key)
        self._next[key] = offset + 1
        return expected if expected is not None and offset > expected else None

    def resume(self, topic: str, partition: int, offset: int) -> None:
        self._next[(topic, partition)] = offset

    def forget(self, partitions: Iterable[TP]) -> None:
        for key in partitions:
            self._next.pop(key, None)


def gap_dead_letter(gap: OffsetGap, received_ms: int) -> bytes:
    return dead_letter_bytes(
        source_topic=gap.topic, partition=gap.partition, offset=gap.committed, key=None, value=None,
        code=DeadLetterCode.OFFSETS_OUT_OF_RANGE,
        message=f"{gap.skipped} records (offsets {gap.committed} to {gap.log_start - 1}) were deleted before this "
                f"consumer group read them; consuming resumes at the log start, {gap.log_start}",
        errors=[{"committed_offset": str(gap.committed), "log_start_offset": str(gap.log_start),
                 "skipped": str(gap.skipped)}],
        received_ms=received_ms, max_value_bytes=0)


@dataclass(frozen=True)
class GapReport:
    """Says so for every gap: an error log, `dead_letter.offsets_out_of_range` and `records.skipped` counts, and
    a gap report (topic, key, value) to send, keyed by the partition it reports on."""

    counters: Counters
    dead_letter_topic: str
    clock: Callable[[], float] = time.time

    def records(self, gaps: Iterable[OffsetGap]) -> list[tuple[str, bytes, bytes]]:
        """(topic, key, value) of each gap's dead letter, logged and counted."""
        out = []
        for gap in gaps:
            log.error("offsets.out_of_range", topic=gap.topic, partition=gap.partition, committed=gap.committed,
                      log_start=gap.log_start, skipped=gap.skipped,
                      reason="records were deleted (retention) before this consumer group read them")
            self.counters.add(f"dead_letter.{DeadLetterCode.OFFSETS_OUT_OF_RANGE}")
            self.counters.add("records.skipped", gap.skipped)
            key = f"{gap.topic}:{gap.partition}".encode()
            out.append((self.dead_letter_topic, key, gap_dead_letter(gap, int(self.clock() * 1000))))
        return out
