"""Hold an input's acknowledgement until every output it caused is on the broker (the Faust engine).

Faust hands a send to the producer and returns at once; the broker's answer comes later, on a future. An
input acked before that answer would be committed even when the broker refuses its output (a value over the
topic's `max.message.bytes`), and it would be neither decided nor dead-lettered. The agent `hold`s each input
with the futures of its outputs, its tables with those of their changelog records (`tables.state.define_tables`);
the consumer's `ack` asks `defer` first, and a held input is acked only
when its last future succeeds. A failed future never acks its input: `on_failure` decides what happens next
(the worker stops loudly, so the input is redelivered once the cause is fixed).

Retrying belongs to the producer: aiokafka retries what can succeed later (a leader moving, a timeout) until
its delivery timeout; what reaches the future is what retrying would not fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from agents.exceptions import DeliveryCancelledError

Ack = Callable[[Any], object]
OnFailure = Callable[[Any, BaseException], None]


@dataclass
class _Held:
    message: Any
    remaining: int
    ack: Ack | None = None
    failed: bool = False


@dataclass
class DeliveryGuard:
    """Inputs (`message`s, by identity) whose outputs are still in flight."""

    on_failure: OnFailure
    _held: dict[int, _Held] = field(default_factory=dict)

    def hold(self, message: Any, futures: Iterable[Any]) -> None:
        """`futures`: delivery futures of outputs `message` caused (asyncio futures). Called as often as needed
        before the ack (its table writes' changelog records, then its outputs); each call adds to the rest."""
        undone = []
        for future in futures:
            if not future.done():
                undone.append(future)
            elif (error := _error(future)) is not None:
                self.refuse(message, error)
                return
        if not undone:
            return
        held = self._held.get(id(message))
        if held is None or held.message is not message:
            held = self._held[id(message)] = _Held(message, 0)
        held.remaining += len(undone)
        for future in undone:
            future.add_done_callback(lambda f, key=id(message), h=held: self._done(key, h, f))

    def refuse(self, message: Any, error: BaseException) -> None:
        """An output of `message` could not even be handed to the producer: never ack it."""
        held = self._held.setdefault(id(message), _Held(message, 0))
        if not held.failed:
            self._fail(held, error)

    def defer(self, message: Any, ack: Ack) -> bool:
        """True when `message` is held: `ack(message)` is then called once its outputs are delivered."""
        held = self._held.get(id(message))
        if held is None or held.message is not message:
            return False
        held.ack = ack
        return True

    def pending(self) -> int:
        return len(self._held)

    def _done(self, key: int, held: _Held, future: Any) -> None:
        if held.failed:
            return
        error = _error(future)
        if error is not None:
            self._fail(held, error)
            return
        held.remaining -= 1
        if held.remaining == 0:
            self._held.pop(key, None)
            if held.ack is not None:
                held.ack(held.message)

    def _fail(self, held: _Held, error: BaseException) -> None:
        held.failed = True  # stays in `_held`: `defer` keeps refusing its ack
        self.on_failure(held.message, error)


def _error(future: Any) -> BaseException | None:
    if future.cancelled():
        return DeliveryCancelledError("the send was cancelled before the broker answered")
    error: BaseException | None = future.exception()
    return error
