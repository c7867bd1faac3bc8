"""The one root of fraudstream's errors. It sits in the bottom layer so every package can derive from it.

Each package keeps its own `exceptions.py` with a base class below this root; every class carries a
stable, snake_case `code` that logs, JSON output and the CLI's one-line errors show.
"""

from __future__ import annotations


class FraudstreamError(Exception):
    """Root of every error fraudstream raises on purpose."""

    code: str = "fraudstream_error"  # per class; an error whose code depends on the case sets its own


class TimeFormatError(FraudstreamError, ValueError):
    """A timestamp without a time zone, or text that is not ISO 8601."""

    code = "time_invalid"


class ExtraMissingError(FraudstreamError):
    """An optional dependency is not installed; the message names the extra that brings it."""

    code = "extra_missing"
