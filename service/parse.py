"""One consumed record → a message for the store, or a rejection with the dead-letter code workers use."""

from __future__ import annotations

from dataclasses import dataclass

from agents.topology import TopicNames
from app.control.records import ControlError, key_matches, verify
from risk.validation import Accepted, Rejection, validate
from schemas.alert import Alert
from schemas.block_command import BlockCommand
from schemas.decision import Decision
from service.store.rows import Batch, ControlPointer

MAX_RECORD_BYTES = 4 * 1024 * 1024  # a decision with its feature snapshot is a few KB; this only stops abuse


@dataclass(frozen=True)
class Consumed:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def add(batch: Batch, names: TopicNames, message: Consumed, admin_token: str | None, now_ms: int) -> Rejection | None:
    """Parse `message` into `batch`; a rejection for a record the store must not take (dead-letter it).

    Control records: only activations (pointers) are stored, never artifact bodies. With the admin token the
    signature is checked and a forged record is skipped (workers dead-letter it already); without it the
    activation is stored marked unverified.
    """
    if message.topic == names.control:
        _add_pointer(batch, message, admin_token)
        return None
    models: dict[str, type[Decision | Alert | BlockCommand]] = {names.decisions: Decision, names.alerts: Alert,
                                                               names.blocks: BlockCommand}
    result: Accepted[Decision | Alert | BlockCommand] | Rejection = validate(
        message.value, models[message.topic], max_bytes=MAX_RECORD_BYTES, now_ms=now_ms)
    if isinstance(result, Rejection):
        return result
    assert isinstance(result, Accepted)
    if isinstance(result.message, Decision):
        batch.decisions.append(result.message)
    elif isinstance(result.message, Alert):
        batch.alerts.append(result.message)
    else:
        batch.blocks.append(result.message)
    return None


def _add_pointer(batch: Batch, message: Consumed, admin_token: str | None) -> None:
    if message.value is None or len(message.value) > MAX_RECORD_BYTES or not (message.key or b"").startswith(
            b"active:"):
        return  # a tombstone, an oversize record or an artifact (only activations are stored)
    try:
        record = verify(message.value, admin_token)
    except ControlError:
        return
    if record.is_pointer and key_matches((message.key or b"").decode("utf-8", "replace"), record):
        batch.pointers.append(ControlPointer(record.kind, record.version, record.published_at_ms, record.author,
                                             record.note, verified=admin_token is not None))
