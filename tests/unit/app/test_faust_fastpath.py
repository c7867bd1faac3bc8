"""Faust's per-message costs removed (app/faust_fastpath.py): each keeps what Faust itself would do."""

import asyncio

import pytest

from app import faust_fastpath
from app.faust_fastpath import EagerDrainConsumer, Finished, Resumed, SnapshotFlushProducer, run_eagerly


def test_a_callback_that_never_suspends_finishes_at_once_with_its_result():
    async def put(message):
        return f"queued {message}"

    done = run_eagerly(put("m1"))
    assert isinstance(done, Finished)
    assert done.value == "queued m1"


def test_a_callback_that_suspends_is_continued_by_whoever_awaits_it():
    async def scenario():
        gate = asyncio.Event()
        steps = []

        async def put(message):
            steps.append("first step")
            await gate.wait()  # the flow is suspended
            steps.append("delivered")
            return message

        pending = run_eagerly(put("m1"))
        assert isinstance(pending, Resumed)
        assert steps == ["first step"]
        task = asyncio.ensure_future(pending)
        await asyncio.sleep(0)
        gate.set()
        return await task, steps

    assert asyncio.run(scenario()) == ("m1", ["first step", "delivered"])


def test_cancelling_the_wait_cancels_the_suspended_callback_itself():
    """As Faust's `wait_first` cancels the callback's task when the flow is suspended first."""

    async def scenario():
        cleanup = []

        async def put(message):
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cleanup.append(message)
                raise

        task = asyncio.ensure_future(run_eagerly(put("m1")))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return cleanup

    assert asyncio.run(scenario()) == ["m1"]


def test_a_dropped_wait_closes_the_suspended_callback():
    async def scenario():
        closed = []

        async def put(message):
            try:
                await asyncio.Event().wait()
            finally:
                closed.append(message)

        pending = run_eagerly(put("m1"))
        waiter = pending.__await__()
        next(waiter)
        waiter.close()
        return closed

    assert asyncio.run(scenario()) == ["m1"]


def test_an_error_in_the_first_step_reaches_the_drain_loop_at_once():
    async def put(message):
        raise ValueError(message)

    with pytest.raises(ValueError, match="bad"):
        run_eagerly(put("bad"))


def _consumer(monkeypatch, stopped=False):
    monkeypatch.setattr(EagerDrainConsumer, "should_stop", property(lambda self: stopped))  # no running service
    return object.__new__(EagerDrainConsumer)


def test_the_consumer_s_callback_runs_eagerly(monkeypatch):
    """The drain loop reads `self.callback`: wrapped once, when the consumer is made."""

    def faust_init(self, *args, **kwargs):
        async def on_message(message):
            return message

        self.callback = on_message

    monkeypatch.setattr(faust_fastpath.faust_aiokafka.Consumer, "__init__", faust_init)
    done = EagerDrainConsumer().callback("m1")
    assert isinstance(done, Finished) and done.value == "m1"


def test_the_drain_loops_wait_returns_a_finished_callback_without_waiting_and_closes_the_other_wait(monkeypatch):
    async def suspend_flow_wait():  # never awaited: closed, so no "never awaited" warning
        raise AssertionError("awaited")

    async def scenario():
        other = suspend_flow_wait()
        result = await _consumer(monkeypatch).wait_first(Finished(None), other)
        return result, other.cr_frame is None

    result, closed = asyncio.run(scenario())
    assert (result.done, result.results, result.stopped) == ([result.done[0]], [None], False)
    assert closed


def test_a_stopping_consumer_reports_stopped_as_faust_does(monkeypatch):
    result = asyncio.run(_consumer(monkeypatch, stopped=True).wait_first(Finished(None)))
    assert result.stopped and not result.done


def test_anything_but_a_finished_callback_gets_faust_s_own_wait(monkeypatch):
    calls = []

    async def faust_wait_first(self, *coros, timeout=None):
        calls.append(coros)
        return "faust"

    monkeypatch.setattr(faust_fastpath.faust_aiokafka.Consumer, "wait_first", faust_wait_first)
    assert asyncio.run(_consumer(monkeypatch).wait_first("resumed", "suspend")) == "faust"
    assert calls == [("resumed", "suspend")]


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


def test_where_wait_for_binds_to_the_current_task_the_callback_keeps_faust_s_own_task():
    async def put(message):
        return message

    assert faust_fastpath.eager(put, enabled=False) is put
