import asyncio

from mode.utils.queues import FlowControlEvent, FlowControlQueue

from app.faust_flow import QueueKeepingFlowControl, WorkerApp


def _queue_holding(flow_control: FlowControlEvent, items: list[str]) -> FlowControlQueue:
    queue: FlowControlQueue = FlowControlQueue(flow_control=flow_control, clear_on_resume=True)
    for item in items:
        queue.put_nowait(item)
    return queue


def _queue_after_resuming_twice(flow_control_class: type[FlowControlEvent]) -> FlowControlQueue:
    """Flow on, two messages handed to a stream's buffer, then flow resumed again (Faust's recovery after its seek)."""

    async def scenario() -> FlowControlQueue:
        flow_control = flow_control_class()
        flow_control.resume()
        queue = _queue_holding(flow_control, ["offset 108", "offset 109"])
        flow_control.resume()
        return queue

    return asyncio.run(scenario())


def test_resuming_flow_that_already_flows_keeps_what_the_streams_were_handed():
    """Faust's recovery resumes flow again after its seek: the messages handed meanwhile were thrown away, never
    processed, never acked (the two-worker kill test lost a transaction that way in CI)."""
    queue = _queue_after_resuming_twice(QueueKeepingFlowControl)
    assert [queue.get_nowait() for _ in range(queue.qsize())] == ["offset 108", "offset 109"]


def test_faust_own_flow_control_drops_them():
    """The behaviour the class above changes: if Faust's own stopped doing it, this override could go."""
    assert _queue_after_resuming_twice(FlowControlEvent).qsize() == 0


def test_resuming_after_a_suspension_still_empties_the_buffers():
    async def scenario() -> int:
        flow_control = QueueKeepingFlowControl()
        flow_control.resume()
        queue = _queue_holding(flow_control, ["from the generation before"])
        flow_control.suspend()
        flow_control.resume()
        return queue.qsize()

    assert asyncio.run(scenario()) == 0


def test_the_worker_app_uses_it():
    async def scenario() -> FlowControlEvent:
        return WorkerApp("flow-test", autodiscover=False).flow_control

    assert isinstance(asyncio.run(scenario()), QueueKeepingFlowControl)
