"""Verdicts become Labels on the labels topic and actions become BlockCommands on the blocks topic, in the
published schemas. A publish waits for the broker's acknowledgement: the store changes only after it, and a
failure (`PublishFailed`) changes nothing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol

import orjson
from confluent_kafka import KafkaError, KafkaException, Message, Producer

from app.settings import Settings
from schemas.block_command import BlockAction, BlockCommand
from schemas.label import Label, LabelSource
from service.console.exceptions import PublishFailed

ACK_TIMEOUT_S = 10.0
LIFT_REASON = "ANALYST_LIFT"  # a BlockCommand expiring when issued lifts earlier blocks of its action and target


class Publisher(Protocol):
    def send(self, topic: str, key: str, value: bytes) -> None: ...


class KafkaPublisher:
    """One idempotent producer per service process, created on the first send."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._producer: Producer | None = None
        self._lock = threading.Lock()

    def _get(self) -> Producer:
        with self._lock:
            if self._producer is None:
                self._producer = Producer({
                    "bootstrap.servers": self.settings.bootstrap_servers, "enable.idempotence": True,
                    "acks": "all", "linger.ms": 0, "message.timeout.ms": int(ACK_TIMEOUT_S * 1000)})
            return self._producer

    def close(self) -> None:
        """Flush and drop the producer (its threads end with it): the service is stopping."""
        with self._lock:
            if self._producer is not None:
                self._producer.flush(ACK_TIMEOUT_S)
                self._producer = None

    def send(self, topic: str, key: str, value: bytes) -> None:
        failures: list[KafkaError] = []
        acked: list[Message] = []

        def delivered(error: KafkaError | None, message: Message) -> None:
            (failures.append(error) if error is not None else acked.append(message))

        producer = self._get()
        try:
            producer.produce(topic, key=key.encode(), value=value, on_delivery=delivered)
        except (BufferError, KafkaException) as err:  # the local queue is full, or the topic name is refused
            raise PublishFailed(f"{topic}: {err}") from err
        producer.flush(ACK_TIMEOUT_S + 2)
        if failures or not acked:
            raise PublishFailed(f"{topic}: not acknowledged ({failures[0] if failures else 'timed out'})")


def label(*, transaction_id: str, is_fraud: bool, now: datetime, account_id: str | None,
          counterparty_id: str | None, device_id: str | None) -> Label:
    """An analyst's verdict, confirmed now, with the ids that route it to label-fed state."""
    return Label(transaction_id=transaction_id, is_fraud=is_fraud, source=LabelSource.ANALYST, confirmed_at=now,
                 account_id=account_id, counterparty_id=counterparty_id, device_id=device_id)


def block(*, action: BlockAction, target_id: str, transaction_id: str, account_id: str, reason: str,
          now: datetime, expires_in_hours: float | None, lift: bool, username: str) -> BlockCommand:
    """A block (expiring after `expires_in_hours`, or never) or a lift (expires at once: `LIFT_REASON`)."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%f")
    expires = now if lift else (None if expires_in_hours is None else now + timedelta(hours=expires_in_hours))
    codes = [LIFT_REASON if lift else "ANALYST_ACTION", f"BY:{username}", reason]
    return BlockCommand(command_id=f"{transaction_id}:{action}:{'lift' if lift else 'set'}:{stamp}",
                        action=action, target_id=target_id, transaction_id=transaction_id, account_id=account_id,
                        reason_codes=codes, issued_at=now, expires_at=expires)


def encode(message: Label | BlockCommand) -> bytes:
    return orjson.dumps(message.model_dump(mode="json", exclude_none=False))
