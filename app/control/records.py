"""Control records: artifacts (`artifact:<kind>:<version>`) and pointers (`active:<kind>`), HMAC-signed.

Publishing is an admin action: a record is only honoured when its signature verifies with the shared
admin token (FRAUDSTREAM_ADMIN_TOKEN), so whoever can write to the topic still cannot deploy rules.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

from app.exceptions import AppError

Kind = Literal["ruleset", "policy", "responses", "model-champion", "model-challenger"]
KINDS: tuple[str, ...] = ("ruleset", "policy", "responses", "model-champion", "model-challenger")


class ControlError(AppError):
    """A control record is malformed, unsigned or forged; the message says which."""


class ControlRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Kind
    version: str = Field(pattern=r"^[A-Za-z0-9._:+-]{1,128}$")
    author: str = Field(max_length=128)
    published_at_ms: int
    body: str | None = Field(default=None, description="artifact text; None in pointer records")
    note: str = ""
    signature: str = ""

    def artifact_key(self) -> str:
        return f"artifact:{self.kind}:{self.version}"

    def pointer_key(self) -> str:
        return f"active:{self.kind}"


def _payload(record: ControlRecord) -> bytes:
    return orjson.dumps(record.model_dump(exclude={"signature"}), option=orjson.OPT_SORT_KEYS)


def sign(record: ControlRecord, token: str) -> ControlRecord:
    if not token:
        raise ControlError("FRAUDSTREAM_ADMIN_TOKEN is empty: admin actions need the shared admin token")
    digest = hmac.new(token.encode(), _payload(record), hashlib.sha256).hexdigest()
    return record.model_copy(update={"signature": digest})


def verify(raw: bytes, token: str) -> ControlRecord:
    try:
        record = ControlRecord.model_validate_json(raw)
    except ValueError as err:
        raise ControlError(f"malformed control record: {err}") from err
    expected = hmac.new(token.encode(), _payload(record), hashlib.sha256).hexdigest()
    if not token or not hmac.compare_digest(expected, record.signature):
        raise ControlError(f"control record {record.kind}:{record.version} has a bad signature; ignored")
    return record
