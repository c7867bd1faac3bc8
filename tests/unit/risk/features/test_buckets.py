import random

import orjson

from risk.features.buckets import TIERS, WINDOW_BUCKETS, WindowStats, add, empty_rings, window, window_count

from .factories import DAY, HOUR, MIN, T0


def test_window_sums_only_buckets_inside_the_window():
    rings = empty_rings()
    for offset, value in [(0, 10.0), (2 * MIN, 20.0), (6 * MIN, 30.0)]:
        add(rings, T0 + offset, value, T0 + offset)
    stats = window(rings, "5m", T0 + 6 * MIN)
    assert (stats.count, stats.total, stats.maximum) == (2, 50.0, 30.0)  # minutes 2..6, not minute 0


def test_window_excludes_buckets_after_the_query_time():
    rings = empty_rings()
    add(rings, T0 + 10 * MIN, 5.0, T0 + 10 * MIN)
    add(rings, T0, 7.0, T0 + 10 * MIN)  # late event
    assert window(rings, "1h", T0).total == 7.0


def test_mean_and_std_of_window():
    rings = empty_rings()
    for i, value in enumerate([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]):
        add(rings, T0 + i * HOUR, value, T0 + i * HOUR)
    stats = window(rings, "30d", T0 + 8 * HOUR)
    assert stats.mean == 5.0
    assert stats.std == 2.0


def test_retention_drops_old_buckets():
    rings = empty_rings()
    add(rings, T0, 1.0, T0)
    add(rings, T0 + 40 * DAY, 1.0, T0 + 40 * DAY)
    assert len(rings["d"]) == 1 and len(rings["m"]) == 1 and len(rings["h"]) == 1


def _reference_window(rings, window_name, time_ms):
    """The definition: a scan of the whole ring."""
    tier_key, buckets = WINDOW_BUCKETS[window_name]
    resolution = next(t.resolution_ms for t in TIERS if t.key == tier_key)
    newest = time_ms - time_ms % resolution
    oldest = newest - (buckets - 1) * resolution
    count, total, sumsq, maximum = 0, 0.0, 0.0, None
    for start, c, s, ss, mx in rings[tier_key]:
        if oldest <= start <= newest and c:
            count += int(c)
            total += s
            sumsq += ss
            maximum = mx if maximum is None or mx > maximum else maximum
    return WindowStats(count, total, sumsq, maximum)


def test_bisected_windows_equal_a_scan_of_the_whole_ring_on_random_histories():
    """Late events, gaps and query times before, inside and after the history; sums equal to the last bit."""
    rng = random.Random(3)
    for _ in range(150):
        rings, watermark, at = empty_rings(), T0, T0
        for _ in range(rng.randint(0, 80)):
            at += rng.choice((0, 1, 7, 59, 61, 3_600, 86_400, 40 * 86_400)) * 1000 * rng.randint(0, 3)
            late = at - rng.randint(0, 2 * DAY) if rng.random() < 0.2 else at
            watermark = max(watermark, late)
            add(rings, late, round(rng.uniform(0.01, 5000), 2), watermark)
        for _ in range(10):
            query = at + rng.randint(-3 * DAY, DAY)
            for name in WINDOW_BUCKETS:
                expected = _reference_window(rings, name, query)
                assert window(rings, name, query) == expected
                assert window_count(rings, name, query) == expected.count


def test_reads_between_adds_equal_a_scan_of_the_whole_ring():
    """Adds (in order, late, into a new bucket, dropping old ones) interleaved with reads at the latest time
    and at times before and after it: every read equals a scan of the whole ring, also after a round trip
    of the rings through their bytes."""
    rng = random.Random(29)
    for _ in range(120):
        rings, plain, watermark, at = empty_rings(), empty_rings(), T0, T0
        for _ in range(rng.randint(1, 120)):
            at += rng.choice((0, 1, 30, 59, 61, 600, 3_600, 86_400, 3 * 86_400, 35 * 86_400)) * 1000
            when = at - rng.choice((MIN, HOUR, DAY, 2 * DAY)) if rng.random() < 0.15 else at
            watermark = max(watermark, when)
            value = round(rng.uniform(0.01, 5000), 2)
            add(rings, when, value, watermark)
            add(plain, when, value, watermark)
            for query in (at, at, when, at + rng.randint(-2 * DAY, 2 * DAY)):
                for name in WINDOW_BUCKETS:
                    assert window(rings, name, query) == _reference_window(plain, name, query)
            assert orjson.dumps(rings) == orjson.dumps(plain)
            if rng.random() < 0.05:
                rings = orjson.loads(orjson.dumps(rings))
