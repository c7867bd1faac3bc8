"""The one output port handlers write to; Faust topics in production, a list in tests."""

from __future__ import annotations

from typing import Protocol


class Emitter(Protocol):
    async def send(self, topic: str, key: bytes, value: bytes, headers: dict[str, bytes] | None = None) -> None: ...
