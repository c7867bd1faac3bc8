from risk.features.buckets import add, empty_rings, window

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
