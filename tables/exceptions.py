"""Typed errors of the state tables."""

from __future__ import annotations

from schemas.exceptions import FraudstreamError


class TableError(FraudstreamError):
    """Base of every error raised by the state tables."""

    code = "table_error"


class KeyScopeError(TableError, RuntimeError):
    """A handler touched an entity other than the one its message is keyed by (a bug in the topology)."""

    code = "table_key_scope"
