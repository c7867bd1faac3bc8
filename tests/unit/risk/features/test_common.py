"""The fast distinct-set helpers agree with their plain definitions on random sets."""

import random

import orjson

from risk.features.common import SeenEntry, StageConfig, distinct_counts, find_seen, remember, touch

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


def _reference_find(state: dict, transaction_id: str) -> SeenEntry | None:
    return next((SeenEntry(*entry) for entry in state.get("seen", []) if entry[0] == transaction_id), None)


def _reference_remember(state: dict, transaction_id: str, tag: str, values: list, elapsed: float,
                        cfg: StageConfig) -> None:
    seen = state.setdefault("seen", [])
    seen.append([transaction_id, tag, values, elapsed])
    if len(seen) > cfg.replay_capacity:
        seen[-cfg.replay_capacity - 1][2] = None
    if len(seen) > cfg.dedupe_capacity:
        del seen[: len(seen) - cfg.dedupe_capacity]


def test_the_indexed_ring_finds_and_keeps_what_a_scan_of_the_plain_list_does() -> None:
    """Random remembers and lookups (repeated ids included, as an old state may hold them), with the state
    sometimes round-tripped through its bytes: same answers, same bytes as the plain list."""
    rng = random.Random(13)
    for capacity in (1, 4, 16):
        cfg = StageConfig(dedupe_capacity=capacity, replay_capacity=max(capacity // 2, 1))
        fast: dict = {"wm": 1}
        slow: dict = {"wm": 1}
        for step in range(600):
            tx = f"t{rng.randint(0, 3 * capacity)}"
            assert find_seen(fast, tx) == _reference_find(slow, tx)
            if rng.random() < 0.7:
                tag, values = f"p:{step}", [rng.random()]
                remember(fast, tx, tag, values, 0.5, cfg)
                _reference_remember(slow, tx, tag, list(values), 0.5, cfg)
            assert orjson.dumps(fast) == orjson.dumps(slow)
            if rng.random() < 0.1:
                fast = orjson.loads(orjson.dumps(fast))


def test_an_old_state_with_a_repeated_id_answers_its_first_entry_until_both_are_dropped() -> None:
    cfg = StageConfig(dedupe_capacity=3, replay_capacity=3)
    state = {"seen": [["t1", "a", [1], 0.1], ["t1", "b", [2], 0.2]]}
    assert find_seen(state, "t1") == SeenEntry("t1", "a", [1], 0.1)
    remember(state, "t2", "c", [3], 0.3, cfg)
    remember(state, "t3", "d", [4], 0.4, cfg)  # drops the first t1
    assert find_seen(state, "t1") == SeenEntry("t1", "b", [2], 0.2)
    remember(state, "t4", "e", [5], 0.5, cfg)  # drops the second
    assert find_seen(state, "t1") is None
    assert orjson.dumps(state) == b'{"seen":[["t2","c",[3],0.3],["t3","d",[4],0.4],["t4","e",[5],0.5]]}'
