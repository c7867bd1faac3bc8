"""Building blocks every entity stage shares: settings, distinct sets, dedupe ring, geo math."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

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


def seen_in_window(values: dict[str, int], now_ms: int, window_ms: int) -> int:
    """Distinct values whose last sighting lies in `(now - window, now]`."""
    low = now_ms - window_ms
    return sum(1 for seen in values.values() if low < seen <= now_ms)


def distinct_count(values: dict[str, int], current: str | None, now_ms: int, window_ms: int) -> int:
    """Distinct values in the window, counting `current` as seen now."""
    count = seen_in_window(values, now_ms, window_ms)
    if current is not None and not (now_ms - window_ms < values.get(current, -1) <= now_ms):
        count += 1
    return count


def touch(values: dict[str, int], value: str, time_ms: int, cfg: StageConfig, watermark_ms: int) -> None:
    """Record a sighting; forget values unseen for `memory_ms`, then the oldest beyond capacity."""
    if values.get(value, -1) < time_ms:
        values[value] = time_ms
    horizon = watermark_ms - cfg.memory_ms
    stale = [key for key, seen in values.items() if seen < horizon]
    for key in stale:
        del values[key]
    if len(values) > cfg.distinct_capacity:
        for key, _ in sorted(values.items(), key=lambda item: item[1])[: len(values) - cfg.distinct_capacity]:
            del values[key]


def find_seen(state: State, transaction_id: str) -> list[Any] | None:
    for entry in state.get("seen", ()):
        if entry[0] == transaction_id:
            return entry
    return None


def remember(state: State, transaction_id: str, tag: str, values: list[Any], elapsed_ms: float,
             cfg: StageConfig) -> None:
    """Keep what this stage emitted, so a redelivery re-emits it unchanged instead of counting twice."""
    seen = state.setdefault("seen", [])
    seen.append([transaction_id, tag, values, elapsed_ms])
    if len(seen) > cfg.replay_capacity:
        seen[-cfg.replay_capacity - 1][2] = None  # keep the id (no recount), drop the bulky snapshot
    if len(seen) > cfg.dedupe_capacity:
        del seen[: len(seen) - cfg.dedupe_capacity]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def minutes_between(earlier_ms: int | None, later_ms: int) -> float | None:
    return None if earlier_ms is None else max(later_ms - earlier_ms, 0) / 60_000
