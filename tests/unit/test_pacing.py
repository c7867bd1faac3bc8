import pytest

from app.pacing import EventTimePacer, RatePacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_real_time_speed_waits_the_event_gap() -> None:
    clock = Clock()
    pacer = EventTimePacer(1.0, clock)
    pacer.delay_s(10_000)
    assert pacer.delay_s(12_000) == 2.0


def test_speed_factor_divides_the_gap() -> None:
    pacer = EventTimePacer(60.0, Clock())
    pacer.delay_s(0)
    assert pacer.delay_s(60_000) == 1.0


def test_speed_zero_never_waits() -> None:
    pacer = EventTimePacer(0.0, Clock())
    pacer.delay_s(0)
    assert pacer.delay_s(3_600_000) == 0.0


def test_rate_pacer_spaces_messages() -> None:
    pacer = RatePacer(10.0, Clock())
    assert [pacer.delay_s() for _ in range(3)] == pytest.approx([0.0, 0.1, 0.2])
