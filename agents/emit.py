"""The one output port handlers write to. Handlers are synchronous; each engine decides how sends travel."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from agents.envelope import Envelope


class Emitter(Protocol):
    def send(self, topic: str, key: bytes, value: bytes, headers: dict[str, bytes] | None = None) -> None: ...


class Output(NamedTuple):
    topic: str
    key: bytes
    value: bytes
    headers: dict[str, bytes] | None


@dataclass
class Outbox:
    """Collects a handler's outputs so an async engine (Faust) can await their sends after the handler returns."""

    pending: list[Output] = field(default_factory=list)

    def send(self, topic: str, key: bytes, value: bytes, headers: dict[str, bytes] | None = None) -> None:
        self.pending.append(Output(topic, key, value, headers))

    def drain(self) -> list[Output]:
        outputs, self.pending = self.pending, []
        return outputs


class InProcessEmitter:
    """An engine that runs every stage in one process (`agents.local`): it takes envelopes and output records
    as the objects the handlers built, so nothing is encoded for one stage only to be decoded by the next.
    What it receives is what the topic's bytes would decode to (the parity tests hold the two equal)."""

    def send(self, topic: str, key: bytes, value: bytes, headers: dict[str, bytes] | None = None) -> None:
        raise NotImplementedError

    def send_envelope(self, topic: str, key: bytes, env: Envelope, facts: Any = None) -> None:
        """`facts`, when given, is the `TxFacts` that `env["tx"]` holds, so the next stage need not rebuild it."""
        raise NotImplementedError

    def send_record(self, topic: str, key: bytes, record: dict[str, Any]) -> None:
        raise NotImplementedError
