"""Admin side of the control plane: publish, activate (rollback) and read history."""

from __future__ import annotations

import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from app.control.records import ControlError, ControlRecord, Kind, sign, verify
from app.settings import Settings


def _token(settings: Settings) -> str:
    token = settings.admin_token.get_secret_value() if settings.admin_token else ""
    if not token:
        raise ControlError("set FRAUDSTREAM_ADMIN_TOKEN: publishing and rollback are authenticated admin actions")
    return token


async def _send(settings: Settings, records: list[tuple[str, ControlRecord]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for key, record in records:
            await producer.send_and_wait(settings.topic("fraudstream-control"), key=key.encode(),
                                         value=record.model_dump_json().encode())
    finally:
        await producer.stop()


async def publish(settings: Settings, kind: Kind, version: str, body: str, author: str, note: str = "") -> None:
    """Write the artifact, then the pointer: workers never see a pointer to an artifact not yet written."""
    token = _token(settings)
    now = int(time.time() * 1000)
    artifact = sign(ControlRecord(kind=kind, version=version, author=author, published_at_ms=now, body=body,
                                  note=note), token)
    pointer = sign(ControlRecord(kind=kind, version=version, author=author, published_at_ms=now, note=note), token)
    await _send(settings, [(artifact.artifact_key(), artifact), (pointer.pointer_key(), pointer)])


async def activate(settings: Settings, kind: Kind, version: str, author: str, note: str = "") -> None:
    token = _token(settings)
    pointer = sign(ControlRecord(kind=kind, version=version, author=author, published_at_ms=int(time.time() * 1000),
                                 note=note), token)
    await _send(settings, [(pointer.pointer_key(), pointer)])


async def read_state(settings: Settings) -> tuple[list[ControlRecord], dict[str, ControlRecord]]:
    """All verified artifacts (oldest first) and the current pointers, read to the end of the topic."""
    token = _token(settings)
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers, group_id=None,
                                enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    artifacts: dict[str, ControlRecord] = {}
    pointers: dict[str, ControlRecord] = {}
    try:
        partition = TopicPartition(settings.topic("fraudstream-control"), 0)
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        end = (await consumer.end_offsets([partition]))[partition]
        while await consumer.position(partition) < end:
            batch = await consumer.getmany(partition, timeout_ms=1000)
            for record in batch.get(partition, []):
                if record.key is None or record.value is None:
                    continue
                try:
                    control = verify(record.value, token)
                except ControlError:
                    continue
                if record.key.decode() == control.pointer_key():
                    pointers[control.kind] = control
                else:
                    artifacts[control.artifact_key()] = control
    finally:
        await consumer.stop()
    return sorted(artifacts.values(), key=lambda r: r.published_at_ms), pointers
