"""How long to wait before the next message: by event time (replay speed) or by a target rate.

Clock-injected, so tests drive it without sleeping.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable


def unpaced(speed: float | None) -> bool:
    """Speed 0, None or infinity means as fast as possible."""
    return speed is None or speed <= 0 or math.isinf(speed)


class EventTimePacer:
    """Keeps wall-clock gaps equal to event-time gaps divided by `speed` (1.0 = real time)."""

    def __init__(self, speed: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self._speed = speed
        self._clock = clock
        self._anchor: tuple[float, int] | None = None
        self._latest_ms = -(2**63)

    def delay_s(self, event_ms: int) -> float:
        """Seconds to wait before sending a message with this event time (out-of-order ones go at once)."""
        if unpaced(self._speed):
            return 0.0
        now = self._clock()
        if self._anchor is None:
            self._anchor = (now, event_ms)
        self._latest_ms = max(self._latest_ms, event_ms)
        wall0, event0 = self._anchor
        return max(0.0, wall0 + (self._latest_ms - event0) / 1000.0 / self._speed - now)  # type: ignore[operator]  # paced: speed is set


class RatePacer:
    """Spaces messages evenly at `per_second` (None or <= 0: no limit)."""

    def __init__(self, per_second: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = per_second
        self._clock = clock
        self._start: float | None = None
        self._sent = 0

    def delay_s(self) -> float:
        """Seconds to wait before the next message; call once per message."""
        if unpaced(self._rate):
            return 0.0
        now = self._clock()
        if self._start is None:
            self._start = now
        due = self._start + self._sent / self._rate  # type: ignore[operator]  # paced: rate is set
        self._sent += 1
        return max(0.0, due - now)
