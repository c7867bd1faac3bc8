"""Login rate limit: at most N failed logins per user name and client address within a sliding window.

The failures live in the store (`console_login_failures`), so every replica counts the same tries; the rule
itself is pure. A success does not wipe the count: an attacker who guesses right once is still throttled later.

>>> allowed([100, 200, 300], now_ms=1_000, max_failures=3, window_ms=10_000)
False
>>> allowed([100, 200, 300], now_ms=20_000, max_failures=3, window_ms=10_000)
True
"""

from __future__ import annotations

from collections.abc import Iterable


def allowed(failures_ms: Iterable[int], *, now_ms: int, max_failures: int, window_ms: int) -> bool:
    """May another try be made now, given the times of earlier failures?"""
    recent = sum(1 for at in failures_ms if now_ms - window_ms < at <= now_ms)
    return recent < max_failures
