"""Errors of the engine adapters."""

from __future__ import annotations

from schemas.exceptions import FraudstreamError


class AgentsError(FraudstreamError):
    """Base of the engine adapters' errors."""

    code = "agents_error"


class DeliveryCancelledError(AgentsError):
    """An output's delivery future was cancelled: the output may never have reached the broker."""

    code = "delivery_cancelled"


class RecordTableError(AgentsError):
    """The first-decision record was handed a store of decoded state instead of an engine's table of bytes."""

    code = "record_table_invalid"
