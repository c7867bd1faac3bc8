"""The fast distinct-set helpers agree with their plain definitions on random sets."""

import random

from risk.features.common import SeenEntry, StageConfig, distinct_counts, find_seen, touch

NOW = 1_767_225_600_000


def _reference_count(values: dict[str, int], current: str | None, now: int, window: int) -> int:
    low = now - window
    count = sum(1 for seen in values.values() if low < seen <= now)
    if current is not None and not (low < values.get(current, -1) <= now):
        count += 1
    return count


def test_distinct_counts_match_a_scan_per_window() -> None:
    rng = random.Random(7)
    windows = (0, 1, 60_000, 3_600_000, 86_400_000, 30 * 86_400_000)
    for _ in range(500):
        values = {f"v{i}": NOW + rng.randint(-40, 5) * 3_600_000 + rng.choice((0, 1, -1))
                  for i in range(rng.randint(0, 40))}
        current = rng.choice([None, "v0", "v3", "new"])
        assert distinct_counts(values, current, NOW, windows) == [
            _reference_count(values, current, NOW, w) for w in windows]


def _reference_touch(values: dict[str, int], value: str, time_ms: int, cfg: StageConfig, watermark: int) -> None:
    if values.get(value, -1) < time_ms:
        values[value] = time_ms
    horizon = watermark - cfg.memory_ms
    for key in [key for key, seen in values.items() if seen < horizon]:
        del values[key]
    if len(values) > cfg.distinct_capacity:
        for key, _ in sorted(values.items(), key=lambda item: item[1])[: len(values) - cfg.distinct_capacity]:
            del values[key]


def test_touch_keeps_what_the_sort_based_definition_keeps_in_the_same_order() -> None:
    rng = random.Random(11)
    for capacity in (1, 3, 8):
        cfg = StageConfig(distinct_capacity=capacity, memory_ms=10)
        for _ in range(300):
            start = {f"v{i}": rng.randint(0, 20) for i in range(rng.randint(0, 2 * capacity + 2))}
            fast, slow = dict(start), dict(start)
            for _ in range(5):
                value, at, watermark = f"v{rng.randint(0, 12)}", rng.randint(0, 25), rng.randint(0, 30)
                touch(fast, value, at, cfg, watermark)
                _reference_touch(slow, value, at, cfg, watermark)
                assert list(fast.items()) == list(slow.items())


def test_find_seen_returns_the_first_entry_with_the_id_or_none() -> None:
    first, second = ["t1", "a", [1], 0.1], ["t1", "b", [2], 0.2]
    state = {"seen": [["t0", "x", None, 0.0], first, second]}
    assert find_seen(state, "t1") == SeenEntry("t1", "a", [1], 0.1) == tuple(first)
    assert find_seen(state, "t9") is None
    assert find_seen({}, "t1") is None
