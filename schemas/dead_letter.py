"""DeadLetter: bad input kept whole, with a machine-readable reason, so nothing is lost."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from schemas.common import Message


class ErrorDetail(Message):
    code: str = Field(description="stable error code, e.g. invalid_json, schema_violation, oversize")
    message: str
    fields: list[str] = Field(default_factory=list, description="dotted paths of offending fields")


class DeadLetter(Message):
    source_topic: str
    partition: int
    offset: int
    key_b64: str | None
    value_b64: str = Field(description="original bytes, base64; only a prefix of them when `truncated`")
    value_bytes: int | None = Field(default=None, description="length of the original value in bytes")
    value_sha256: str | None = Field(default=None, description="SHA-256 (hex) of the whole original value")
    truncated: bool = Field(default=False, description="value_b64 holds a prefix: the original was too large "
                                                       "for a dead letter to carry whole")
    error: ErrorDetail
    errors: list[dict[str, str]] = Field(default_factory=list, description="all validation errors")
    received_at: AwareDatetime
