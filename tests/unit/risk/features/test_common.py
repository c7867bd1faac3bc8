"""The fast distinct-set helpers agree with their plain definitions on random sets."""

import random

from risk.features.common import distinct_counts

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
