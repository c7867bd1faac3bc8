"""Typed errors of the risk service; the API maps each `code` to one HTTP status."""

from __future__ import annotations

from typing import ClassVar

from schemas.exceptions import FraudstreamError


class ServiceError(FraudstreamError):
    """Base of every error the risk service raises on purpose."""

    code = "service_error"
    status: ClassVar[int] = 500


class Unauthenticated(ServiceError):
    """No API key, or one that is unknown, malformed or revoked."""

    code = "api_key_invalid"
    status = 401


class OutOfScope(ServiceError):
    """The query reaches outside the caller's branch subtree."""

    code = "out_of_scope"
    status = 403


class NotFound(ServiceError):
    """Nothing stored under that id."""

    code = "not_found"
    status = 404


class QueryInvalid(ServiceError):
    """A filter, cursor or scope is malformed."""

    code = "query_invalid"
    status = 400


class StoreUnavailable(ServiceError):
    """The store cannot be reached or written; the sink retries from its last committed offsets."""

    code = "store_unavailable"
    status = 503


class LocalPostgresError(ServiceError):
    """No PostgreSQL server binaries for a throwaway server (tests, bench), or it did not start."""

    code = "postgres_unavailable"
