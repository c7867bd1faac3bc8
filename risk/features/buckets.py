"""Event-time bucket rings: sliding counts, sums, sum of squares and max in one compact value.

One ring per tier (minute, hour, day) instead of Faust's hopping windows: an event updates one bucket per
tier, so an entity costs one table write per event. A window of `n` buckets at time `t` covers the bucket
holding `t` and the `n - 1` before it (half-open bucket intervals `[start, start + res)`); buckets after
`t` (late events see the future of the stream) are excluded so a late event's features never include
events that happened after it.

State is plain JSON-ready lists so it serializes fast and identically everywhere:
`[[bucket_start_ms, count, sum, sumsq, max], ...]`, oldest first.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import islice
from operator import itemgetter

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000


@dataclass(frozen=True)
class Tier:
    key: str
    resolution_ms: int
    retention: int  # buckets kept


TIERS = (Tier("m", MINUTE_MS, 60), Tier("h", HOUR_MS, 24), Tier("d", DAY_MS, 31))
_TIER_BY_KEY = {tier.key: tier for tier in TIERS}

# window name → (tier key, number of buckets)
WINDOW_BUCKETS: dict[str, tuple[str, int]] = {
    "5m": ("m", 5),
    "1h": ("m", 60),
    "24h": ("h", 24),
    "7d": ("d", 7),
    "30d": ("d", 30),
}

# A bucket stays a mutable list, updated in place on every event and stored as its JSON array; its
# positions are named here, and `window` unpacks it by name.
Bucket = list[float]  # [start_ms, count, sum, sumsq, max]
Rings = dict[str, list[Bucket]]
START, COUNT, SUM, SUMSQ, MAX = range(5)
_START_OF, _COUNT_OF = itemgetter(START), itemgetter(COUNT)


def empty_rings() -> Rings:
    return {tier.key: [] for tier in TIERS}


def add(rings: Rings, time_ms: int, value: float, watermark_ms: int) -> None:
    """Add one observation to every tier, then drop buckets that fell out of retention."""
    for tier in TIERS:
        ring = rings[tier.key]
        start = time_ms - time_ms % tier.resolution_ms
        bucket = _find_or_insert(ring, start)
        bucket[COUNT] += 1
        bucket[SUM] += value
        bucket[SUMSQ] += value * value
        if bucket[COUNT] == 1 or value > bucket[MAX]:
            bucket[MAX] = value
        horizon = watermark_ms - watermark_ms % tier.resolution_ms - (tier.retention - 1) * tier.resolution_ms
        while ring and ring[0][START] < horizon:
            ring.pop(0)


def _find_or_insert(ring: list[Bucket], start: int) -> Bucket:
    # Events arrive nearly in order: scan from the newest bucket.
    for index in range(len(ring) - 1, -1, -1):
        bucket_start = ring[index][START]
        if bucket_start == start:
            return ring[index]
        if bucket_start < start:
            bucket: Bucket = [start, 0, 0.0, 0.0, 0.0]
            ring.insert(index + 1, bucket)
            return bucket
    bucket = [start, 0, 0.0, 0.0, 0.0]
    ring.insert(0, bucket)
    return bucket


@dataclass(slots=True)  # not frozen: several are made per event, and a frozen one sets each field slowly
class WindowStats:
    count: int
    total: float
    sumsq: float
    maximum: float | None

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None

    @property
    def std(self) -> float | None:
        if self.count < 2:
            return None
        mean = self.total / self.count
        variance = max(self.sumsq / self.count - mean * mean, 0.0)
        std: float = variance**0.5  # not math.sqrt: the features stay byte-identical to stored ones
        return std


# window name → (tier key, resolution, span from the oldest bucket's start to the newest's)
_SPANS = {name: (key, _TIER_BY_KEY[key].resolution_ms, (n - 1) * _TIER_BY_KEY[key].resolution_ms)
          for name, (key, n) in WINDOW_BUCKETS.items()}


def window(rings: Rings, window_name: str, time_ms: int) -> WindowStats:
    """Aggregate of the window ending with the bucket that holds `time_ms`.

    A ring is sorted by bucket start (`add` keeps it so), so the window's buckets are one run of it, found
    by bisection and summed oldest first: the order, and so the float sums, of a scan of the whole ring."""
    tier_key, resolution, span = _SPANS[window_name]
    ring = rings[tier_key]
    newest = time_ms - time_ms % resolution
    count, total, sumsq = 0, 0.0, 0.0
    maximum: float | None = None
    for start, c, s, ss, mx in islice(ring, bisect_left(ring, newest - span, key=_START_OF), None):
        if start > newest:
            break
        if c:
            count += int(c)
            total += s
            sumsq += ss
            maximum = mx if maximum is None or mx > maximum else maximum
    return WindowStats(count, total, sumsq, maximum)


def window_count(rings: Rings, window_name: str, time_ms: int) -> int:
    """`window(...).count` without the sums, for the many features that only count."""
    tier_key, resolution, span = _SPANS[window_name]
    ring = rings[tier_key]
    newest = time_ms - time_ms % resolution
    first = bisect_left(ring, newest - span, key=_START_OF)
    return sum(map(int, map(_COUNT_OF, islice(ring, first, bisect_right(ring, newest, key=_START_OF)))))
