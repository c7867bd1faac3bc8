"""schemas/times.py: exact ms <-> ISO 8601, naive times refused."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from schemas.exceptions import FraudstreamError, TimeFormatError
from schemas.times import from_ms, iso_utc, parse_iso, to_ms


def test_to_ms_is_exact_and_drops_sub_millisecond_parts_towards_the_past():
    assert to_ms(datetime(2025, 1, 1, 0, 0, 0, 123_000, tzinfo=UTC)) == 1_735_689_600_123
    assert to_ms(datetime(2025, 1, 1, 0, 0, 0, 123_999, tzinfo=UTC)) == 1_735_689_600_123
    assert to_ms(datetime(1969, 12, 31, 23, 59, 59, 999_500, tzinfo=UTC)) == -1


def test_an_offset_is_honoured_and_round_trips():
    china = timezone(timedelta(hours=8))
    ms = to_ms(datetime(2025, 1, 1, 8, 0, tzinfo=china))
    assert ms == to_ms(datetime(2025, 1, 1, tzinfo=UTC))
    assert parse_iso(iso_utc(ms + 7)) == from_ms(ms + 7)
    assert iso_utc(ms) == "2025-01-01T00:00:00Z"


@pytest.mark.parametrize("text", ["2025-01-01T08:00:00", "yesterday"])
def test_naive_or_unparseable_text_is_a_typed_error(text):
    with pytest.raises(TimeFormatError) as info:
        parse_iso(text)
    assert isinstance(info.value, FraudstreamError) and info.value.code == "time_invalid"


def test_a_naive_datetime_is_refused():
    with pytest.raises(TimeFormatError, match="no time zone"):
        to_ms(datetime(2025, 1, 1))
