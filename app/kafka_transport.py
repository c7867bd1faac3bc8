"""Faust's aiokafka transport with two fixes, registered as the `fskafka://` scheme.

1. Faust hard-codes `fetch_max_wait_ms=1500` for the worker's consumer. aiokafka does not re-fetch a
   partition while a long poll for the others is in flight, so in a chain of stages every hop can wait up
   to 1.5 s for the previous stage's output: at moderate, paced load that, not CPU, sets throughput.
2. Static group membership: Faust does not pass aiokafka's `group_instance_id`, so a restarted worker waited
   out its dead predecessor's session before it got its partitions back. The worker consumer now carries
   the instance id `set_instance_id` attached to the app (`FRAUDSTREAM_INSTANCE_ID`).
3. Faust's commit (`Consumer._new_offset`) lets a one-message gap at the head of the acked offsets
   through (`min(acked) - committed > 1`, where `committed` is already the *next* offset to read). Events
   skipped during a rebalance are never acked, so every commit after it stepped over one of them: a
   two-worker rebalance test lost every other message of a burst. A commit now waits until the message
   at the committed position itself has been acked; the skipped ones are redelivered after the seek.

4. An input is acked only once the broker took every output it caused (`agents.delivery.DeliveryGuard`,
   attached with `set_delivery_guard`): Faust acks when the agent moves on, before the producer's answer.

5. Faust's livelock check reads aiokafka's fetch position, which asserts while a partition awaits an offset
   reset (its fetch fell out of range: retention deleted what it was to read next). The check crashed the
   consumer and stopped the worker; it now skips such a partition until the reset is done.
6. A running consumer that falls behind retention resets to the log start inside its assignment, and Faust only
   notes the jump in the offsets it reads (`Consumer._add_gap`, so commits step over it). The jump now goes to
   the watch `set_gap_watch` attached (`app.faust_app`), which reports the part that retention deleted
   (`app.offset_gaps`), before the message after the jump is processed and so before any commit passes it.

7. A commit's flush waits for what was sent before it, not until nothing is buffered (`app.faust_fastpath`).

8. Faust's gap bookkeeping repeated offsets it had read (the message after the jump, and all it read before the
   seek to the committed offsets that follows the fetcher's start), and its commit then advanced by one offset
   per commit; an unacked offset in such a gap could have been committed undecided. A gap now holds only the
   offsets this consumer never handed to its streams, and gaps fold into the acked offsets without repeats.

9. A table write's partition check reads the client's metadata where the coordinator's snapshot has not yet
   seen a changelog topic created at start (`_ConsumerThread.topic_partitions`).

10. The seek to the committed offsets that ends a rebalance asks the broker first and writes the answer into the
   consumer's committed offsets later. The streams already run by then (the fetcher starts first), and a commit
   that landed in between was overwritten by the older offset: the acked offsets it had taken were gone, so the
   commit (item 3) waited for good for messages already committed. The seek no longer moves a partition's
   committed offset below one this consumer committed since the partition was assigned.

It also keeps the acked position per partition (`acked_positions`) for the commit-lag metric (`app/offsets.py`),
and says so loudly when the guard has held a partition's commit back for `HELD_WARN_S`: the message at the
committed position was never acked, so everything after it is redelivered by the next restart.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiokafka.structs import TopicPartition
from faust.transport import drivers
from faust.transport.drivers import aiokafka as faust_aiokafka

from agents.delivery import DeliveryGuard
from app.faust_fastpath import SnapshotFlushProducer
from app.readiness import AckedPositions

log = structlog.get_logger(__name__)

SCHEME = "fskafka"
FETCH_MAX_WAIT_MS = 20
HELD_WARN_S = 30.0


_INSTANCE_ATTR = "_fraudstream_group_instance_id"
_GUARD_ATTR = "_fraudstream_delivery_guard"
_GAP_WATCH_ATTR = "_fraudstream_gap_watch"

GapWatch = Callable[[Any, int, int], Awaitable[None]]  # (tp, expected offset, offset read instead)


def set_instance_id(app: Any, instance_id: str | None) -> None:
    setattr(app, _INSTANCE_ATTR, instance_id)


def set_delivery_guard(app: Any, guard: DeliveryGuard) -> None:
    setattr(app, _GUARD_ATTR, guard)


def set_gap_watch(app: Any, watch: GapWatch) -> None:
    setattr(app, _GAP_WATCH_ATTR, watch)


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read when the consumer starts its fetcher
        instance_id = getattr(self.app, _INSTANCE_ATTR, None)
        if instance_id:
            consumer._group_instance_id = instance_id  # read when the consumer starts its coordinator
        return consumer

    def topic_partitions(self, topic: str) -> int | None:
        """Faust's table writes compare a source topic's partition count with its changelog's, read from the group
        coordinator's snapshot, which the coordinator takes when it subscribes and only refreshes on a metadata
        change: a changelog topic Faust created at start counts 0 partitions there, and every table write failed
        with `PartitionsMismatch` until then. The client's own metadata already knows it (the assignment
        that gave this worker its changelog partitions was computed from it)."""
        known = super().topic_partitions(topic)
        if known or self._consumer is None:
            return known
        partitions = self._consumer._client.cluster.partitions_for_topic(topic)
        return len(partitions) if partitions else known

    def verify_event_path(self, now: float, tp: Any) -> None:
        if not self._has_position(tp):
            return None  # awaiting an offset reset: there is no position to check yet
        return super().verify_event_path(now, tp)

    def _has_position(self, tp: Any) -> bool:
        assignment = self._ensure_consumer()._fetcher._subscriptions.subscription.assignment
        state = assignment.state_value(TopicPartition(tp.topic, tp.partition))
        return state is not None and bool(state.has_valid_position)


class _Consumer(faust_aiokafka.Consumer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acked_positions = AckedPositions()
        self._held_since: dict[Any, float] = {}
        self.log_starts: dict[tuple[str, int], int] = {}
        self._handed_up_to: dict[Any, int] = {}  # per partition, the highest offset handed to the streams
        self._committed_here: dict[Any, int] = {}  # per partition, the highest offset committed since assigned
        self._revocations = 0
        hand_over = self.callback

        def on_message(message: Any) -> Awaitable[None]:  # no coroutine of its own: the drain loop awaits Faust's
            self._handed(message)
            return hand_over(message)

        self.callback = on_message

    def _handed(self, message: Any) -> None:
        self._handed_up_to[message.tp] = max(message.offset, self._handed_up_to.get(message.tp, -1))

    async def on_partitions_revoked(self, revoked: Any) -> None:
        for tp in revoked:
            self._handed_up_to.pop(tp, None)
            self._committed_here.pop(tp, None)
        self._revocations += 1
        await super().on_partitions_revoked(revoked)

    async def _commit_offsets(self, offsets: Any, start_new_transaction: bool = True) -> bool:
        """Faust's commit; notes what it committed, unless a rebalance ran meanwhile (its answer then says nothing
        sure about a partition: Faust drops a revoked one from the request, and may get it back since)."""
        revocations, assigned = self._revocations, self.assignment()
        did_commit = bool(await super()._commit_offsets(offsets, start_new_transaction))
        if did_commit and revocations == self._revocations:
            self._note_committed({tp: offset for tp, offset in offsets.items() if tp in assigned})
        return did_commit

    def _note_committed(self, offsets: Any) -> None:
        for tp, offset in offsets.items():
            self._committed_here[tp] = max(offset, self._committed_here.get(tp, offset))

    async def perform_seek(self) -> None:
        """Faust's seek, which may have read a committed offset older than a commit of ours that landed while it
        ran: the partition keeps the newer one (item 10)."""
        await super().perform_seek()
        for tp, offset in self._committed_here.items():
            current = self._committed_offset.get(tp)
            if current is None or current < offset:
                self._committed_offset[tp] = offset

    def ack(self, message: Any) -> bool:
        guard: DeliveryGuard | None = getattr(self.app, _GUARD_ATTR, None)
        if guard is not None and guard.defer(message, self._ack_delivered):
            return False  # acked by the guard once the broker has taken the outputs; never when it refused one
        return self._ack_delivered(message)

    def _ack_delivered(self, message: Any) -> bool:
        acked = bool(super().ack(message))
        if acked:
            self.acked_positions.acked(message.tp.topic, message.tp.partition, message.offset)
        return acked

    def log_start(self, topic: str, partition: int, offset: int) -> None:
        """The partition's first offset is `offset`: the messages below it are gone (retention), so the commit
        guard must not wait for them to be acked (`app.offset_gaps` finds these at assignment)."""
        self.log_starts[(topic, partition)] = offset

    async def _add_gap(self, tp: Any, offset_from: int, offset_to: int) -> None:
        """Faust read the message at `offset_to` where it expected `offset_from`. Only what was never handed to the
        streams is a gap; the range below a log start the assignment check reported already is left out; the watch
        runs before the message is processed.

        Faust's own gap also held `offset_to`, the message just read, and whatever it had read before a seek moved
        its read offset back (the seek to the committed offsets runs after the fetcher has started): each acked
        offset a gap repeated slowed the commit down, and an unacked one could have been committed undecided."""
        first = max(offset_from, self._handed_up_to.get(tp, -1) + 1)
        if first >= offset_to:
            return
        watch: GapWatch | None = getattr(self.app, _GAP_WATCH_ATTR, None)
        expected = max(first, self.log_starts.get((tp.topic, tp.partition), first))
        if watch is not None and expected < offset_to:
            await watch(tp, expected, offset_to)
        await super()._add_gap(tp, first, offset_to - 1)  # Faust's range includes its end

    def _new_offset(self, tp: Any) -> int | None:
        committed = self._committed_offset[tp]
        acked = self._acked[tp]
        if committed is not None:  # a committed offset below the log start: its message will never arrive
            committed = max(committed, self.log_starts.get((tp.topic, tp.partition), committed))
        if committed is not None and acked and not self._gap[tp] and min(acked) > committed:
            self._held(tp, committed, min(acked))
            return None  # the message at `committed` was never acked: committing past it would lose it
        self._held_since.pop(tp, None)
        self._fold_gaps(tp)
        return super()._new_offset(tp)

    def _fold_gaps(self, tp: Any) -> None:
        """Faust's own fold appends the gap's offsets to the acked list without removing repeats, and its run
        search stops at a repeated offset: a gap that overlapped acked offsets let each commit advance by one."""
        acked, gaps = self._acked[tp], self._gap[tp]
        if not acked or not gaps:
            return
        top = max(acked)
        folded = {offset for interval in gaps.overlap(0, top) for offset in range(interval.begin, interval.end)}
        if folded:
            gaps.chop(0, max(max(folded) + 1, top + 1))
            acked[:] = sorted(folded.union(acked))

    def _held(self, tp: Any, committed: int, first_acked: int, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        since = self._held_since.setdefault(tp, now)
        if since <= now - HELD_WARN_S:
            self._held_since[tp] = now  # once per HELD_WARN_S, not per commit
            log.error("commit.held", topic=tp.topic, partition=tp.partition, committed=committed,
                      first_acked=first_acked, held_s=round(now - since, 1),
                      reason="the message at the committed offset was never acked")

    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    Consumer = _Consumer
    Producer = SnapshotFlushProducer


def register() -> None:
    drivers.TRANSPORTS.aliases.setdefault(SCHEME, f"{__name__}:Transport")
