"""The one output port handlers write to. Handlers are synchronous; each engine decides how sends travel."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Protocol


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
