"""Faust's flow control without dropping what a worker was handed after a rebalance.

Faust's `FlowControlEvent.resume` empties every stream buffer, the agents' input queues included, each time it is
called, and Faust's recovery calls it again after the seek that ends a rebalance, when flow is already on. By
then the fetcher has run: it hands the partitions' first messages to the streams while that seek is still
asking the broker for the committed offsets. Those waiting in a queue were thrown away, their offsets counted
as read, and the fetcher went on after them. They were never processed and never acked, so the commit stopped at
the first of them (`app.kafka_transport`, item 3) and its transaction was never decided; the two-worker kill
test lost one that way in CI.

Here `resume` empties the buffers only when flow was suspended: at a rebalance, where Faust also empties them on
`suspend`. A buffered message of an earlier generation is still skipped by the stream itself.
"""

from __future__ import annotations

from mode.utils.objects import cached_property
from mode.utils.queues import FlowControlEvent

from app.faust_fastpath import FastProducerApp


class QueueKeepingFlowControl(FlowControlEvent):
    """Empties the stream buffers when flow resumes after a suspension, never while it flows."""

    def resume(self) -> None:
        if self.is_active():
            return
        super().resume()


class WorkerApp(FastProducerApp):
    """The worker's Faust app: `FastProducerApp` whose streams keep their buffers when flow is resumed twice."""

    @cached_property
    def flow_control(self) -> FlowControlEvent:
        return QueueKeepingFlowControl(loop=self.loop)
