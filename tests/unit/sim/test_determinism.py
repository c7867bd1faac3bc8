from sim import SimConfig, simulate
from tests.unit.sim.conftest import run


def test_same_seed_gives_identical_records() -> None:
    assert run(seed=21) == run(seed=21)


def test_different_seed_gives_different_records() -> None:
    assert run(seed=21) != run(seed=22)


def test_start_time_shifts_event_times() -> None:
    later = SimConfig(seed=21, customers=400, days=1.0, start_ms=1_750_000_000_000)
    first = next(iter(simulate(later)))
    assert first.event_time_ms >= later.start_ms - 3_600_000
