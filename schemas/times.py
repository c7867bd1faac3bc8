"""Epoch milliseconds <-> ISO 8601: the one place the pipeline converts between them.

Time is integer ms inside the code and ISO 8601 with an offset in messages. The conversions are integer
arithmetic on `timedelta` (no float in between), so they are exact for any date and round sub-millisecond
parts the same way everywhere: towards the past.

>>> to_ms(parse_iso("2025-01-01T08:00:00.123+08:00"))
1735689600123
>>> iso_utc(1735689600123)
'2025-01-01T00:00:00.123000Z'
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.exceptions import TimeFormatError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def to_ms(moment: datetime) -> int:
    """An aware datetime as epoch ms (sub-millisecond parts dropped towards the past)."""
    if moment.tzinfo is None:
        raise TimeFormatError(f"time {moment.isoformat()} has no time zone; add an offset, e.g. +08:00")
    return (moment - _EPOCH) // _MS


def parse_iso(text: str) -> datetime:
    """ISO 8601 text with an offset (`Z` accepted) as an aware datetime; naive text is refused."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise TimeFormatError(f"time {text!r} is not ISO 8601, e.g. 2025-01-01T08:00:00+08:00") from err
    if moment.tzinfo is None:
        raise TimeFormatError(f"time {text!r} has no time zone; add an offset, e.g. +08:00")
    return moment


def from_ms(ms: int) -> datetime:
    """Epoch ms as an aware UTC datetime."""
    return _EPOCH + timedelta(milliseconds=ms)


def iso_utc(ms: int) -> str:
    """Epoch ms as ISO 8601 in UTC with a `Z`, the form decisions and reports carry."""
    return from_ms(ms).isoformat().replace("+00:00", "Z")
