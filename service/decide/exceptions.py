"""Typed errors of the decision API (the service's handler answers each with its status and code)."""

from __future__ import annotations

from service.exceptions import ServiceError


class PublishFailed(ServiceError):
    """The transaction could not be handed to the broker: nothing was decided, the caller may retry."""

    code = "publish_failed"
    status = 503
