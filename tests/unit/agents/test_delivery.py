"""The delivery guard: an input is acked once every output it caused is delivered, never when one failed."""

import asyncio

from agents.delivery import DeliveryGuard


class Message:
    def __init__(self, offset: int) -> None:
        self.offset = offset


def _guard() -> tuple[DeliveryGuard, list[Message], list[tuple[Message, BaseException]]]:
    failures: list[tuple[Message, BaseException]] = []
    return DeliveryGuard(on_failure=lambda m, e: failures.append((m, e))), [], failures


def test_an_ack_before_delivery_waits_for_the_last_output():
    async def run():
        guard, acked, failures = _guard()
        loop = asyncio.get_running_loop()
        outputs = [loop.create_future(), loop.create_future()]
        message = Message(7)
        guard.hold(message, outputs)
        assert guard.defer(message, acked.append)
        outputs[0].set_result("meta")
        await asyncio.sleep(0)
        assert acked == []
        outputs[1].set_result("meta")
        await asyncio.sleep(0)
        assert acked == [message] and guard.pending() == 0 and not failures

    asyncio.run(run())


def test_an_input_whose_outputs_were_delivered_already_is_acked_at_once():
    async def run():
        guard, acked, _ = _guard()
        done = asyncio.get_running_loop().create_future()
        done.set_result("meta")
        message = Message(8)
        guard.hold(message, [done])
        assert not guard.defer(message, acked.append)  # the consumer acks it itself
        guard.hold(Message(9), [])
        assert guard.pending() == 0

    asyncio.run(run())


def test_a_refused_output_never_acks_its_input_and_reports_it_once():
    async def run():
        guard, acked, failures = _guard()
        loop = asyncio.get_running_loop()
        outputs = [loop.create_future(), loop.create_future()]
        message = Message(9)
        guard.hold(message, outputs)
        assert guard.defer(message, acked.append)
        outputs[0].set_exception(ValueError("MessageSizeTooLargeError"))
        outputs[1].set_result("meta")
        await asyncio.sleep(0)
        assert acked == [] and [(m.offset, str(e)) for m, e in failures] == [(9, "MessageSizeTooLargeError")]
        assert guard.defer(message, acked.append), "a later ack of the same input is refused too"

    asyncio.run(run())


def test_a_send_refused_before_the_producer_took_it_is_never_acked():
    guard, acked, failures = _guard()
    message = Message(10)
    guard.refuse(message, RuntimeError("buffer full"))
    assert guard.defer(message, acked.append) and acked == [] and len(failures) == 1


def test_a_cancelled_delivery_counts_as_a_failure():
    async def run():
        guard, acked, failures = _guard()
        output = asyncio.get_running_loop().create_future()
        message = Message(11)
        guard.hold(message, [output])
        output.cancel()
        await asyncio.sleep(0)
        assert guard.defer(message, acked.append) and acked == []
        assert [e.code for _, e in failures] == ["delivery_cancelled"]

    asyncio.run(run())


def test_holds_add_up_so_a_changelog_send_and_an_output_both_keep_the_input():
    """A table write's changelog record is held first, the outputs after: the second hold must not replace the first."""
    async def run():
        guard, acked, failures = _guard()
        loop = asyncio.get_running_loop()
        changelog, output = loop.create_future(), loop.create_future()
        message = Message(12)
        guard.hold(message, [changelog])
        guard.hold(message, [output])
        assert guard.defer(message, acked.append)
        output.set_result("meta")
        await asyncio.sleep(0)
        assert acked == [] and guard.pending() == 1
        changelog.set_exception(ValueError("MessageSizeTooLargeError"))
        await asyncio.sleep(0)
        assert acked == [] and [m.offset for m, _ in failures] == [12]

    asyncio.run(run())
