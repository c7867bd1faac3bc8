"""Building blocks every entity stage shares: settings, distinct sets, dedupe ring, geo math."""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, NamedTuple

from risk.features.buckets import DAY_MS

State = dict[str, Any]
FeatureValues = dict[str, Any]


@dataclass(frozen=True)
class StageConfig:
    """Knobs of the windowed state; the same object drives streaming, replay and backtest."""

    lateness_ms: int = 10 * 60_000  # older than the entity's newest event by more: decided, not counted
    dedupe_capacity: int = 256  # transaction ids remembered per entity: a repeat among them is never recounted
    replay_capacity: int = 32  # of those, how many keep their emitted features for byte-identical re-emission
    distinct_capacity: int = 256  # values remembered per distinct set (oldest dropped first)
    memory_ms: int = 31 * DAY_MS  # first-seen / distinct memory
    label_capacity: int = 64  # label verdicts remembered per entity


def distinct_counts(values: dict[str, int], current: str | None, now_ms: int,
                    windows_ms: Sequence[int]) -> list[int]:
    """`distinct_count` for several windows over the same set, in the order given.

    Sorting the sightings once and bisecting per window keeps the per-value work in C; a Python-level
    scan per window was the stages' hottest loop (sets hold up to `distinct_capacity` values).
    """
    seen = values.get(current, -1) if current is not None else None
    if not values:  # nothing remembered (no device, no cell...): only `current` can count
        return [int(seen is not None and not (now_ms - window_ms < seen <= now_ms)) for window_ms in windows_ms]
    times = sorted(values.values())
    newest = bisect_right(times, now_ms)  # sightings at or before now
    counts = []
    for window_ms in windows_ms:
        low = now_ms - window_ms
        count = max(newest - bisect_right(times, low), 0)  # sightings in (low, now]; none if window <= 0
        if seen is not None and not (low < seen <= now_ms):
            count += 1
        counts.append(count)
    return counts


def distinct_count(values: dict[str, int], current: str | None, now_ms: int, window_ms: int) -> int:
    """Distinct values in the window, counting `current` as seen now."""
    return distinct_counts(values, current, now_ms, (window_ms,))[0]


def touch(values: dict[str, int], value: str, time_ms: int, cfg: StageConfig, watermark_ms: int) -> None:
    """Record a sighting; forget values unseen for `memory_ms`, then the oldest beyond capacity."""
    if values.get(value, -1) < time_ms:
        values[value] = time_ms
    horizon = watermark_ms - cfg.memory_ms
    # Usually nothing is stale: a C-level min() decides that without a Python-level scan.
    if min(values.values(), default=horizon) < horizon:
        for key in [key for key, seen in values.items() if seen < horizon]:
            del values[key]
    excess = len(values) - cfg.distinct_capacity
    if excess > 0:
        # nsmallest equals sorted(...)[:excess] (stable: ties go in insertion order), without sorting the
        # whole set each time it grows by one
        for key, _ in heapq.nsmallest(excess, values.items(), key=itemgetter(1)):
            del values[key]


class SeenEntry(NamedTuple):
    """What a stage remembers of a transaction it processed. Stored in the state as the plain list
    `[transaction_id, tag, values, elapsed_ms]` (the JSON encoding of existing state stays byte-identical,
    and the snapshot is dropped in place); read back through this type."""

    transaction_id: str
    tag: str  # the source position it came from
    values: list[Any] | None  # the features it emitted, in `feature_names` order; None once aged out
    elapsed_ms: float


_ID, _VALUES = SeenEntry._fields.index("transaction_id"), SeenEntry._fields.index("values")


class _SeenRing(list[list[Any]]):
    """The state's `seen` list with a count of its transaction ids beside it, so that the usual lookup (a new
    id, missing from all `dedupe_capacity` entries) is one dict probe instead of a scan of the ring.

    The index lives only as long as the decoded state: orjson writes a list subclass as the plain list it
    is, so the state bytes are unchanged, and a state decoded from bytes gets its index on first use.
    `remember` is the ring's only writer and keeps the index in step (entries are appended at the end and
    dropped from the front; dropping a snapshot does not touch the id)."""

    __slots__ = ("ids",)

    def __init__(self, entries: list[list[Any]] | None = None) -> None:
        super().__init__(entries or ())
        ids: dict[str, int] = {}
        for entry in self:
            ids[entry[_ID]] = ids.get(entry[_ID], 0) + 1  # old states may hold an id twice
        self.ids = ids

    def push(self, entry: list[Any]) -> None:
        self.append(entry)
        self.ids[entry[_ID]] = self.ids.get(entry[_ID], 0) + 1

    def drop_oldest(self, n: int) -> None:
        ids = self.ids
        for entry in self[:n]:
            left = ids[entry[_ID]] - 1
            if left:
                ids[entry[_ID]] = left
            else:
                del ids[entry[_ID]]
        del self[:n]


def _ring(state: State) -> _SeenRing | None:
    """The state's ring with its index (built once per decoded state), or None when it remembers nothing."""
    seen = state.get("seen")
    if seen is None or type(seen) is _SeenRing:
        return seen
    ring = _SeenRing(seen)
    state["seen"] = ring  # same key, same place in the dict: the encoding is unchanged
    return ring


def find_seen(state: State, transaction_id: str) -> SeenEntry | None:
    """The first remembered entry for this transaction id, if any."""
    ring = _ring(state)
    if ring is None or transaction_id not in ring.ids:
        return None
    return next(SeenEntry(*entry) for entry in ring if entry[_ID] == transaction_id)


def remember(state: State, transaction_id: str, tag: str, values: list[Any], elapsed_ms: float,
             cfg: StageConfig) -> None:
    """Keep what this stage emitted, so a redelivery re-emits it unchanged instead of counting twice."""
    seen = _ring(state)
    if seen is None:
        seen = state["seen"] = _SeenRing()
    seen.push([transaction_id, tag, values, elapsed_ms])  # a SeenEntry, stored as a list
    if len(seen) > cfg.replay_capacity:
        seen[-cfg.replay_capacity - 1][_VALUES] = None  # keep the id (no recount), drop the bulky snapshot
    if len(seen) > cfg.dedupe_capacity:
        seen.drop_oldest(len(seen) - cfg.dedupe_capacity)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def minutes_between(earlier_ms: int | None, later_ms: int) -> float | None:
    return None if earlier_ms is None else max(later_ms - earlier_ms, 0) / 60_000
