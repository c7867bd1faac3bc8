"""Faust's per-message costs removed (app/faust_fastpath.py): each keeps what Faust itself would do."""

import asyncio

import pytest

from app import faust_fastpath
from app.faust_fastpath import SnapshotFlushProducer


class _Buffer:
    state = "running"

    def __init__(self):
        self.put = []


def _producer():
    producer = object.__new__(SnapshotFlushProducer)
    producer.__dict__.update(buffer=_Buffer(), _producer=None, _transaction_producers={}, _unanswered=set())
    producer.__dict__["app"] = type("App", (), {"conf": type("Conf", (), {"producer_threaded": False})()})()
    return producer


def test_a_flush_waits_for_the_buffered_writes_made_before_it_and_not_for_later_ones(monkeypatch):
    faust_buffer_put = lambda self, fut: self.buffer.put.append(fut)  # noqa: E731
    monkeypatch.setattr(faust_fastpath.faust_aiokafka.Producer, "send_soon", faust_buffer_put)

    async def scenario():
        producer = _producer()
        loop = asyncio.get_running_loop()
        before = loop.create_future()
        producer.send_soon(before)
        flush = asyncio.ensure_future(producer.flush())
        await asyncio.sleep(0)
        later = loop.create_future()
        producer.send_soon(later)  # a stream keeps writing while the commit waits
        await asyncio.sleep(0)
        waiting = not flush.done()
        before.set_result(None)  # the broker answered the write made before the flush
        await asyncio.wait_for(flush, 1)
        return waiting, later.done(), producer.buffer.put == [before, later], producer._unanswered == {later}

    assert asyncio.run(scenario()) == (True, False, True, True)


def test_a_flush_once_the_buffer_stopped_is_faust_s_own(monkeypatch):
    """A buffer that crashed never answers what it still holds: Faust's flush raises instead of waiting."""
    monkeypatch.setattr(faust_fastpath.faust_aiokafka.Producer, "send_soon", lambda self, fut: None)
    monkeypatch.setattr(faust_fastpath, "FLUSH_POLL_S", 0.01)

    async def faust_flush(self):
        raise RuntimeError("Cannot flush: Producer not Running")

    monkeypatch.setattr(faust_fastpath.faust_aiokafka.Producer, "flush", faust_flush)

    async def scenario():
        producer = _producer()
        producer.send_soon(asyncio.get_running_loop().create_future())  # never answered
        flush = asyncio.ensure_future(producer.flush())
        await asyncio.sleep(0.03)
        waiting = not flush.done()
        producer.buffer.state = "crashed"
        with pytest.raises(RuntimeError, match="not Running"):
            await asyncio.wait_for(flush, 1)
        return waiting

    assert asyncio.run(scenario())


def test_a_flush_ends_with_aiokafka_s_flush_of_the_open_batches():
    flushed = []

    class AIOKafkaProducer:
        async def flush(self):
            flushed.append("batches")

    async def scenario():
        producer = _producer()
        producer.__dict__["_producer"] = AIOKafkaProducer()
        await producer.flush()

    asyncio.run(scenario())
    assert flushed == ["batches"]


def test_the_running_producer_is_returned_without_a_turn_of_the_event_loop(monkeypatch):
    """Faust's stampede guard yields three times per call; every changelog write asked it."""

    class Producer:
        started = True

    producer = Producer()
    monkeypatch.setattr(faust_fastpath.FastProducerApp, "producer", property(lambda self: producer))
    monkeypatch.setattr(faust_fastpath.FastProducerApp, "in_transaction", property(lambda self: False))
    coro = object.__new__(faust_fastpath.FastProducerApp).maybe_start_producer()
    with pytest.raises(StopIteration) as finished:
        coro.send(None)  # a coroutine that never suspends ends on its first step
    assert finished.value.value is producer

