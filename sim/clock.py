"""Event-time helpers: integer ms in the core, ISO 8601 with the China offset (+08:00) in messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), "CST")
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
_LOCAL_EPOCH = datetime(1970, 1, 1, tzinfo=UTC).astimezone(CHINA_TZ)
BANK_OFFSET_MS = 8 * HOUR_MS  # China time (the bank's zone) ahead of UTC
_UTC_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso(ms: int) -> str:
    """`2025-01-01T08:30:00.000+08:00`: exact to the ms, no float rounding."""
    return (_LOCAL_EPOCH + timedelta(milliseconds=ms)).isoformat(timespec="milliseconds")


def local_hour(ms: int) -> int:
    """Hour of day (0-23) in China time: the customers' daily rhythm follows local clocks."""
    return ((ms + BANK_OFFSET_MS) // HOUR_MS) % 24


def local_midnight(ms: int) -> int:
    """Start (epoch ms) of the China-time day holding `ms`: daily schedules are laid on local clocks."""
    return ms - (ms + BANK_OFFSET_MS) % 86_400_000


def is_weekend(ms: int) -> bool:
    """Saturday or Sunday in China time (1970-01-01 was a Thursday)."""
    day = (ms + BANK_OFFSET_MS) // 86_400_000
    return (day + 3) % 7 >= 5


def to_ms(value: str | datetime) -> int:
    """Parse an ISO 8601 timestamp with an offset (or an aware datetime) to epoch ms."""
    dt = datetime.fromisoformat(value) if isinstance(value, str) else value
    if dt.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no UTC offset; add one, e.g. +08:00")
    return (dt - _UTC_EPOCH) // timedelta(milliseconds=1)
