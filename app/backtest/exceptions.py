"""Errors of the backtest: each message says what was asked, what was found and what to change."""

from __future__ import annotations

from app.exceptions import AppError


class BacktestError(AppError):
    """A backtest cannot run with the inputs given (no data, unreadable ruleset, unreachable control topic)."""
