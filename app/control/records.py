"""Control records: artifacts (`artifact:<kind>:<version>`) and pointers (`active:<kind>:<published_at_ms>`),
HMAC-signed.

Publishing is an admin action: a record is only honoured when its signature verifies with the shared
admin token (FRAUDSTREAM_ADMIN_TOKEN), so whoever can write to the topic still cannot deploy rules.

Two attacks need more than a signature, because a signed record can be copied:
- **Replay.** Re-sending an older signed pointer must not roll workers back. A pointer is honoured only when
  its signed `published_at_ms` is newer than the active one's, and every pointer has a key of its own
  (`active:<kind>:<published_at_ms>`), so compaction keeps the newest pointer and a copy of an old one can
  never displace it for a worker that starts later. A rollback is a new pointer naming its target.
- **Key swap.** The key is not signed, so a record is honoured only under the one key its content implies:
  a pointer copied under an artifact's key would otherwise replace that artifact on compaction.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.control.exceptions import ADMIN_TOKEN_MISSING, ControlError
from schemas.dead_letter import DeadLetterCode

Kind = Literal["ruleset", "policy", "responses", "model-champion", "model-challenger"]
KINDS: tuple[str, ...] = ("ruleset", "policy", "responses", "model-champion", "model-challenger")

# `active:<kind>` is the pointer key written before pointers had keys of their own; still honoured.
_POINTER_KEY = re.compile(r"^active:(?P<kind>[a-z-]+)(:(?P<ms>\d{1,16}))?$")


class Refusal(StrEnum):
    """Why a control record was not honoured (stable codes: logs, metrics, dead letters)."""

    KEY_INVALID = DeadLetterCode.CONTROL_KEY_INVALID.value
    MALFORMED = DeadLetterCode.CONTROL_MALFORMED.value
    BAD_SIGNATURE = DeadLetterCode.CONTROL_BAD_SIGNATURE.value
    KEY_MISMATCH = DeadLetterCode.CONTROL_KEY_MISMATCH.value
    STALE = DeadLetterCode.CONTROL_STALE.value
    OVERSIZE = DeadLetterCode.CONTROL_OVERSIZE.value
    TOO_MANY_RULES = DeadLetterCode.CONTROL_TOO_MANY_RULES.value
    LIST_TOO_LARGE = DeadLetterCode.CONTROL_LIST_TOO_LARGE.value


class ControlRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Kind
    version: str = Field(pattern=r"^[A-Za-z0-9._:+-]{1,128}$")
    author: str = Field(max_length=128)
    published_at_ms: int = Field(ge=0, lt=10**16)
    body: str | None = Field(default=None, description="artifact text; None in pointer records")
    note: str = ""
    signature: str = ""

    @property
    def is_pointer(self) -> bool:
        return self.body is None

    def artifact_key(self) -> str:
        return f"artifact:{self.kind}:{self.version}"

    def pointer_key(self) -> str:
        return f"active:{self.kind}:{self.published_at_ms}"

    def key(self) -> str:
        return self.pointer_key() if self.is_pointer else self.artifact_key()


def _payload(record: ControlRecord) -> bytes:
    return orjson.dumps(record.model_dump(exclude={"signature"}), option=orjson.OPT_SORT_KEYS)


def sign(record: ControlRecord, token: str) -> ControlRecord:
    if not token:
        raise ControlError("FRAUDSTREAM_ADMIN_TOKEN is empty: admin actions need the shared admin token",
                           ADMIN_TOKEN_MISSING)
    digest = hmac.new(token.encode(), _payload(record), hashlib.sha256).hexdigest()
    return record.model_copy(update={"signature": digest})


def verify(raw: bytes, token: str | None) -> ControlRecord:
    """Parse and check the signature; `token=None` parses only (reading history needs no secret, but a
    record read that way is never applied: workers always verify)."""
    try:
        record = ControlRecord.model_validate_json(raw)
    except (ValidationError, ValueError) as err:
        raise ControlError(f"malformed control record: {str(err)[:500]}", Refusal.MALFORMED) from err
    if token is None:
        return record
    expected = hmac.new(token.encode(), _payload(record), hashlib.sha256).hexdigest()
    if not token or not hmac.compare_digest(expected, record.signature):
        raise ControlError(f"control record {record.kind}:{record.version} has a bad signature; ignored",
                           Refusal.BAD_SIGNATURE)
    return record


def key_matches(key: str, record: ControlRecord) -> bool:
    """True when `key` is the one key this record may stand under."""
    if not record.is_pointer:
        return key == record.artifact_key()
    match = _POINTER_KEY.match(key)
    if match is None or match["kind"] != record.kind:
        return False
    return match["ms"] is None or int(match["ms"]) == record.published_at_ms


@dataclass
class ControlState:
    """The artifacts and active pointers a sequence of control records amounts to.

    `fold` is total: whatever bytes arrive, it returns normally (a refusal carries its code), so nothing
    read from the control topic can stop a worker or the CLI that reads it.
    """

    token: str | None  # None: read without verifying (history for people, never for workers)
    max_record_bytes: int = 16 * 1024 * 1024
    artifacts: dict[str, ControlRecord] = field(default_factory=dict)
    pointers: dict[str, ControlRecord] = field(default_factory=dict)

    def fold(self, key: bytes | None, value: bytes | None) -> bool | ControlError:
        """Take one record; True when an active pointer changed, False when not, the error when refused."""
        try:
            return self._fold(key, value)
        except ControlError as err:
            return err
        except Exception as err:  # a bug here must not become a poison record: refuse, never raise
            return ControlError(f"control record could not be read: {type(err).__name__}: {err}",
                                Refusal.MALFORMED)

    def _fold(self, key: bytes | None, value: bytes | None) -> bool:
        if value is None:
            return False  # a tombstone: compaction clean-up, nothing to honour
        if len(value) > self.max_record_bytes:
            raise ControlError(f"control record of {len(value):,} bytes is over the limit of "
                               f"{self.max_record_bytes:,} (FRAUDSTREAM_CONTROL_MAX_RECORD_BYTES)", Refusal.OVERSIZE)
        try:
            text_key = (key or b"").decode("utf-8")
        except UnicodeDecodeError as err:
            raise ControlError(f"control record key {key!r} is not UTF-8", Refusal.KEY_INVALID) from err
        record = verify(value, self.token)
        if not key_matches(text_key, record):
            raise ControlError(f"control record {record.kind}:{record.version} stands under key {text_key!r}, "
                               f"not its own ({record.key()!r}); ignored", Refusal.KEY_MISMATCH)
        if not record.is_pointer:
            self.artifacts[record.artifact_key()] = record
            return False
        active = self.pointers.get(record.kind)
        if active is not None and record.published_at_ms <= active.published_at_ms:
            if record == active:
                return False  # the same pointer read again (e.g. under its legacy key): not a replay
            raise ControlError(
                f"{record.kind} pointer to {record.version} published at {record.published_at_ms} is not newer "
                f"than the active one ({active.version}, {active.published_at_ms}); a replayed record is ignored",
                Refusal.STALE)
        self.pointers[record.kind] = record
        return active is None or active.version != record.version

    def active_versions(self) -> dict[str, str]:
        return {kind: pointer.version for kind, pointer in self.pointers.items()}

    def next_published_at_ms(self, now_ms: int) -> int:
        """A time for a new pointer that every worker will take as newer, even if this clock is behind."""
        newest = max((pointer.published_at_ms for pointer in self.pointers.values()), default=-1)
        return max(now_ms, newest + 1)
