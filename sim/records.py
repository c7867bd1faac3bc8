"""The simulator's output unit: one message for one topic, with when it happened and when it is known."""

from __future__ import annotations

from typing import Literal, NamedTuple

RecordKind = Literal["transaction", "account_event", "label"]
KINDS: tuple[RecordKind, ...] = ("transaction", "account_event", "label")


class SimRecord(NamedTuple):
    """A message ready to publish.

    `deliver_at_ms` is when the message reaches the bus: the event time for transactions and account
    events, the confirmation time for labels (a verdict is never known before it is confirmed).
    """

    kind: RecordKind
    key: str
    value: dict
    event_time_ms: int
    deliver_at_ms: int
