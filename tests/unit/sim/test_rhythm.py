from sim import SimRecord
from sim.clock import is_weekend, local_hour


def _hourly_rate(records: list[SimRecord], hours: range) -> float:
    n = sum(r.kind == "transaction" and local_hour(r.event_time_ms) in hours for r in records)
    return n / len(hours)


def test_night_is_quieter_than_day(week: list[SimRecord]) -> None:
    assert _hourly_rate(week, range(0, 6)) < 0.2 * _hourly_rate(week, range(9, 21))


def test_evening_peak_is_busier_than_mid_afternoon(week: list[SimRecord]) -> None:
    assert _hourly_rate(week, range(18, 21)) > _hourly_rate(week, range(14, 17))


def test_weekend_days_are_quieter_than_weekdays(week: list[SimRecord]) -> None:
    tx = [r for r in week if r.kind == "transaction"]
    weekend = sum(is_weekend(r.event_time_ms) for r in tx) / 2
    weekday = (len(tx) - 2 * weekend) / 5
    assert weekend < weekday
