"""Typed errors of the control plane (publishing and honouring signed control records)."""

from __future__ import annotations

from app.exceptions import AppError
from schemas.dead_letter import DeadLetterCode

ADMIN_TOKEN_MISSING = "admin_token_missing"  # noqa: S105 - an error code, not a secret
ARTIFACT_MISSING = "control_artifact_missing"  # an active pointer names an artifact the topic lacks


class ControlError(AppError):
    """A control record is malformed, unsigned, forged or too large; `code` says which (a refused record is
    dead-lettered with it)."""

    code = DeadLetterCode.CONTROL_MALFORMED.value

    def __init__(self, message: str, code: str = DeadLetterCode.CONTROL_MALFORMED) -> None:
        super().__init__(message)
        self.code = str(code)
