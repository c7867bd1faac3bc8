"""Errors of the engine adapters."""

from __future__ import annotations

from schemas.exceptions import FraudstreamError


class AgentsError(FraudstreamError):
    """Base of the engine adapters' errors."""

    code = "agents_error"


class DeliveryCancelledError(AgentsError):
    """An output's delivery future was cancelled: the output may never have reached the broker."""

    code = "delivery_cancelled"
