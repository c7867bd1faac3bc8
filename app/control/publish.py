"""Admin side of the control plane: publish, activate (rollback) and read history."""

from __future__ import annotations

import time

from aiokafka import AIOKafkaProducer

from app.control.exceptions import ADMIN_TOKEN_MISSING, ControlError
from app.control.reader import read_control
from app.control.records import ControlRecord, Kind, Refusal, sign
from app.settings import Settings


def _token(settings: Settings) -> str:
    token = settings.admin_token.get_secret_value() if settings.admin_token else ""
    if not token:
        raise ControlError("set FRAUDSTREAM_ADMIN_TOKEN: publishing and rollback are authenticated admin actions",
                           ADMIN_TOKEN_MISSING)
    return token


async def _send(settings: Settings, records: list[tuple[str, ControlRecord]]) -> None:
    """gzip: a bank's ruleset with lists of 100k+ items is megabytes of YAML but compresses about tenfold."""
    values = [(key, record.model_dump_json().encode()) for key, record in records]
    for key, value in values:
        if len(value) > settings.control_max_record_bytes:
            raise ControlError(f"{key} is {len(value):,} bytes, over FRAUDSTREAM_CONTROL_MAX_RECORD_BYTES "
                               f"({settings.control_max_record_bytes:,}); nothing was published", Refusal.OVERSIZE)
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all", enable_idempotence=True,
                                compression_type="gzip", max_request_size=settings.control_max_record_bytes + 65536)
    await producer.start()
    try:
        for key, value in values:
            await producer.send_and_wait(settings.topic("fraudstream-control"), key=key.encode(), value=value)
    finally:
        await producer.stop()


async def _pointer_time(settings: Settings, token: str) -> int:
    """Newer than every pointer on the topic, so workers honour it even when this machine's clock is behind."""
    state = await read_control(settings, token)
    return state.next_published_at_ms(int(time.time() * 1000))


async def publish(settings: Settings, kind: Kind, version: str, body: str, author: str, note: str = "") -> None:
    """Write the artifact, then the pointer: workers never see a pointer to an artifact not yet written."""
    token = _token(settings)
    now = await _pointer_time(settings, token)
    artifact = sign(ControlRecord(kind=kind, version=version, author=author, published_at_ms=now, body=body,
                                  note=note), token)
    pointer = sign(ControlRecord(kind=kind, version=version, author=author, published_at_ms=now, note=note), token)
    await _send(settings, [(artifact.artifact_key(), artifact), (pointer.pointer_key(), pointer)])


async def activate(settings: Settings, kind: Kind, version: str, author: str, note: str = "") -> None:
    token = _token(settings)
    pointer = sign(ControlRecord(kind=kind, version=version, author=author,
                                 published_at_ms=await _pointer_time(settings, token), note=note), token)
    await _send(settings, [(pointer.pointer_key(), pointer)])


async def read_state(settings: Settings) -> tuple[list[ControlRecord], dict[str, ControlRecord]]:
    """All artifacts (oldest first) and the current pointers, read to the end of the topic. With the admin
    token set, only records whose signature verifies count; reading needs no token, and without one the
    records are taken as they stand (for diff, list and history; nothing read this way is applied)."""
    token = settings.admin_token.get_secret_value() if settings.admin_token else None
    state = await read_control(settings, token or None)
    return sorted(state.artifacts.values(), key=lambda r: r.published_at_ms), dict(state.pointers)
