"""Parse the CLIs' time options: ISO 8601, a bare date (China time), or epoch ms."""

from __future__ import annotations

from datetime import datetime

from schemas.exceptions import TimeFormatError
from schemas.times import to_ms
from sim.clock import CHINA_TZ


def parse_time_ms(text: str | None) -> int | None:
    """`2025-01-01`, `2025-01-01T08:00:00+08:00` or `1735660800000` → epoch ms (naive = China time)."""
    if text is None or text == "":
        return None
    text = text.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        dt = datetime.fromisoformat(text)
    except ValueError as err:
        raise TimeFormatError(f"time {text!r}: use ISO 8601 (2025-01-01T08:00:00+08:00), a date, or epoch ms") from err
    return to_ms(dt if dt.tzinfo else dt.replace(tzinfo=CHINA_TZ))
