from aiokafka.structs import TopicPartition
from faust.transport import drivers

from app import kafka_transport


def test_the_scheme_resolves_to_our_transport():
    kafka_transport.register()
    assert drivers.by_url("fskafka://127.0.0.1:9092") is kafka_transport.Transport


def test_our_consumer_builds_the_short_poll_consumer_thread():
    thread_factory = kafka_transport.Transport.Consumer._new_consumer_thread
    assert thread_factory is not drivers.aiokafka.Consumer._new_consumer_thread
    assert kafka_transport.FETCH_MAX_WAIT_MS < 1500


TP = TopicPartition("tx", 0)


def _consumer(committed, acked):
    from collections import defaultdict

    from intervaltree import IntervalTree

    consumer = object.__new__(kafka_transport.Transport.Consumer)
    consumer._committed_offset = defaultdict(lambda: None, {TP: committed})
    consumer._acked = defaultdict(list, {TP: list(acked)})
    consumer._acked_index = defaultdict(set, {TP: set(acked)})
    consumer._gap = defaultdict(IntervalTree)
    consumer._held_since = {}
    consumer._handed_up_to = {}
    consumer._committed_here = {}
    consumer._revocations = 0
    consumer._read_offset = defaultdict(lambda: None)
    consumer.log_starts = {}
    return consumer


def test_a_commit_never_steps_over_an_unacked_message_at_the_head():
    assert _consumer(committed=185, acked=[186, 187])._new_offset(TP) is None  # 185 was skipped, not acked


def test_a_commit_advances_over_contiguous_acked_messages():
    assert _consumer(committed=185, acked=[185, 186, 188])._new_offset(TP) == 187


def test_a_commit_steps_over_a_message_retention_deleted_at_the_committed_offset():
    """Without the log start the guard waited for 185 forever: it was deleted, so it never arrives."""
    consumer = _consumer(committed=185, acked=[186, 187])
    consumer.log_start("tx", 0, 186)
    assert consumer._new_offset(TP) == 188


def test_a_jump_in_the_offsets_read_goes_to_the_gap_watch_before_faust_notes_it():
    """Without the watch a consumer that fell behind retention while running reset to the log start silently."""
    import asyncio
    from types import SimpleNamespace

    seen = []

    async def watch(tp, expected, received):
        seen.append((tp.partition, expected, received, len(consumer._gap[tp])))

    consumer = _consumer(committed=4, acked=[])
    consumer.app = SimpleNamespace()
    kafka_transport.set_gap_watch(consumer.app, watch)
    asyncio.run(consumer._add_gap(TP, 5, 8))
    assert seen == [(0, 5, 8, 0)]  # before the gap is in the commit's tree, so no commit passes it first
    assert consumer._gap[TP]


def test_a_jump_the_assignment_check_reported_already_is_not_watched_again():
    import asyncio
    from types import SimpleNamespace

    seen = []

    async def watch(tp, expected, received):
        seen.append((expected, received))

    consumer = _consumer(committed=4, acked=[])
    consumer.app = SimpleNamespace()
    kafka_transport.set_gap_watch(consumer.app, watch)
    consumer.log_start("tx", 0, 8)  # the assignment check reported offsets 4 to 7
    asyncio.run(consumer._add_gap(TP, 5, 8))
    asyncio.run(consumer._add_gap(TP, 6, 12))
    assert seen == [(8, 12)]


def test_a_gap_holds_only_the_offsets_never_handed_to_the_streams():
    """Faust's gap held the message just read and what it had read before its seek to the committed offsets moved
    the read offset back: 43 to 48 here, although 43 to 47 were all in the streams (some not yet acked)."""
    import asyncio
    from types import SimpleNamespace

    consumer = _consumer(committed=42, acked=[42, 43, 44])
    consumer.app = SimpleNamespace()
    for offset in range(42, 48):
        consumer._handed(SimpleNamespace(tp=TP, offset=offset))
    consumer._handed(SimpleNamespace(tp=TopicPartition("tx", 1), offset=90))
    asyncio.run(consumer._add_gap(TP, 43, 48))
    assert not consumer._gap[TP]
    asyncio.run(consumer._add_gap(TP, 44, 52))  # 48 to 51 were never read: a real jump
    assert sorted((i.begin, i.end) for i in consumer._gap[TP]) == [(48, 52)]


def test_a_revoked_partition_forgets_what_was_handed(monkeypatch):
    import asyncio
    from types import SimpleNamespace

    revoked_by_faust = []

    async def faust_revocation(self, revoked):
        revoked_by_faust.append(set(revoked))

    monkeypatch.setattr(drivers.aiokafka.Consumer, "on_partitions_revoked", faust_revocation)
    consumer = _consumer(committed=42, acked=[])
    consumer._handed(SimpleNamespace(tp=TP, offset=47))
    asyncio.run(consumer.on_partitions_revoked({TP}))
    assert TP not in consumer._handed_up_to
    assert revoked_by_faust == [{TP}]


def _seek_answering(consumer, offsets, meanwhile=None):
    """Faust's `seek_to_committed`, answering `offsets` after awaiting `meanwhile` (what lands while it asks)."""

    async def seek_to_committed():
        if meanwhile is not None:
            await meanwhile()
        return offsets

    consumer.seek_to_committed = seek_to_committed


def _faust_commit_answering(monkeypatch, did_commit, meanwhile=lambda consumer: None):
    async def faust_commit(self, offsets, start_new_transaction=True):
        meanwhile(self)
        self._committed_offset.update(offsets)
        return did_commit

    monkeypatch.setattr(drivers.aiokafka.Consumer, "_commit_offsets", faust_commit)


def test_the_seek_after_a_rebalance_keeps_a_commit_that_landed_while_it_asked(monkeypatch):
    """Seen under load (the two-worker kill test, repeated): the streams committed 76 while the seek asked the broker,
    which still answered 71; the seek wrote 71, the acked offsets below 76 had gone with the commit, and the commit
    waited for 71 for good."""
    import asyncio

    _faust_commit_answering(monkeypatch, did_commit=True)
    consumer = _consumer(committed=None, acked=[])
    consumer.assignment = lambda: {TP}
    _seek_answering(consumer, {TP: 71}, meanwhile=lambda: consumer._commit_offsets({TP: 76}))
    asyncio.run(consumer.perform_seek())
    assert consumer._committed_offset[TP] == 76
    consumer._acked[TP][:] = [76, 77]
    consumer._acked_index[TP] = {76, 77}
    assert consumer._new_offset(TP) == 78


def test_the_seek_still_moves_the_committed_offset_where_nothing_was_committed_here():
    import asyncio

    consumer = _consumer(committed=None, acked=[])
    _seek_answering(consumer, {TP: 71})
    asyncio.run(consumer.perform_seek())
    assert consumer._committed_offset[TP] == 71
    assert consumer._read_offset[TP] == 71


def test_a_commit_across_a_rebalance_is_not_noted(monkeypatch):
    """Faust drops a partition revoked meanwhile from its request and still answers True: noting the offset would
    let a later seek raise the partition past messages never committed."""
    import asyncio

    def revoked_meanwhile(consumer):
        consumer._revocations += 1

    _faust_commit_answering(monkeypatch, did_commit=True, meanwhile=revoked_meanwhile)
    consumer = _consumer(committed=None, acked=[])
    consumer.assignment = lambda: {TP}
    assert asyncio.run(consumer._commit_offsets({TP: 76}))
    assert consumer._committed_here == {}


def test_a_failed_commit_and_an_unassigned_partition_are_not_noted(monkeypatch):
    import asyncio

    other = TopicPartition("tx", 1)
    consumer = _consumer(committed=None, acked=[])
    consumer.assignment = lambda: {TP}
    _faust_commit_answering(monkeypatch, did_commit=False)
    asyncio.run(consumer._commit_offsets({TP: 76}))
    assert consumer._committed_here == {}
    _faust_commit_answering(monkeypatch, did_commit=True)
    asyncio.run(consumer._commit_offsets({TP: 76, other: 9}))
    assert consumer._committed_here == {TP: 76}


def test_a_revoked_partition_forgets_what_it_committed(monkeypatch):
    import asyncio

    async def faust_revocation(self, revoked):
        return None

    monkeypatch.setattr(drivers.aiokafka.Consumer, "on_partitions_revoked", faust_revocation)
    consumer = _consumer(committed=None, acked=[])
    consumer._note_committed({TP: 76})
    asyncio.run(consumer.on_partitions_revoked({TP}))
    assert consumer._committed_here == {}


def test_a_gap_over_acked_offsets_does_not_slow_the_commit_down():
    """Faust folded the gap into the acked offsets with repeats (44, 44, 45, 45, ...), and its run search stopped at
    each repeat: one offset per commit, 40 s behind under the liveness test's load."""
    consumer = _consumer(committed=42, acked=list(range(42, 60)))
    consumer._gap[TP].addi(43, 49)
    assert consumer._new_offset(TP) == 60
    assert not consumer._gap[TP]


def test_a_gap_still_lets_the_commit_step_over_offsets_never_read():
    consumer = _consumer(committed=42, acked=[42, 43, 50, 51])
    consumer._gap[TP].addi(44, 50)
    assert consumer._new_offset(TP) == 52


def _thread_with_metadata(snapshot, cluster):
    from types import SimpleNamespace

    thread = object.__new__(drivers.aiokafka.AIOKafkaConsumerThread)
    thread.__class__ = kafka_transport._ConsumerThread
    thread._consumer = SimpleNamespace(_coordinator=SimpleNamespace(_metadata_snapshot=snapshot),
                                       _client=SimpleNamespace(cluster=SimpleNamespace(
                                           partitions_for_topic=lambda topic: cluster.get(topic))))
    return thread


def test_a_changelog_topic_the_coordinator_has_not_seen_yet_counts_the_partitions_the_client_knows():
    """Faust's table write compared 2 source partitions with the 0 of a changelog topic created at start: the
    coordinator's snapshot had not seen it yet, and every write raised `PartitionsMismatch`."""
    thread = _thread_with_metadata({"tx": 2, "app-state-changelog": 0}, {"tx": {0, 1}, "app-state-changelog": {0, 1}})
    assert thread.topic_partitions("app-state-changelog") == 2
    assert thread.topic_partitions("tx") == 2


def test_a_real_partition_mismatch_still_shows():
    thread = _thread_with_metadata({"tx": 2, "app-state-changelog": 3}, {"tx": {0, 1}, "app-state-changelog": {0, 1}})
    assert thread.topic_partitions("app-state-changelog") == 3  # the snapshot's own answer when it has one
    assert _thread_with_metadata({"chg": 0}, {}).topic_partitions("chg") == 0  # unknown everywhere: still refused


def test_the_livelock_check_skips_a_partition_awaiting_an_offset_reset():
    """Faust's check read aiokafka's position while an out-of-range fetch was being reset: an AssertionError that
    crashed the consumer and stopped the worker."""
    import asyncio
    from types import SimpleNamespace

    from aiokafka.consumer.fetcher import OffsetResetStrategy
    from aiokafka.consumer.subscription_state import TopicPartitionState

    async def awaiting_reset() -> TopicPartitionState:
        state = TopicPartitionState(assignment=None)
        state.highwater, state.timestamp = 20, 99_000  # fetched a second ago
        state.await_reset(OffsetResetStrategy.EARLIEST)  # what the fetcher does on an out-of-range fetch
        return state

    assignment = SimpleNamespace(active=True, state_value={TP: asyncio.run(awaiting_reset())}.get)
    consumer = SimpleNamespace(_fetcher=SimpleNamespace(
        _subscriptions=SimpleNamespace(subscription=SimpleNamespace(assignment=assignment))))
    thread = object.__new__(kafka_transport._ConsumerThread)
    thread._ensure_consumer = lambda: consumer
    thread.time_started, thread.tp_fetch_request_timeout_secs = 0.0, 60.0
    thread.consumer = SimpleNamespace(app=SimpleNamespace(
        monitor=SimpleNamespace(stream_inbound_time={}), topics=SimpleNamespace(acks_enabled_for=lambda topic: True)))
    assert thread.verify_event_path(100.0, TP) is None


def test_the_worker_consumer_carries_the_static_instance_id(tmp_path):
    """Without it a restarted Faust worker waited out its predecessor's session before deciding again."""
    import asyncio

    from app.faust_app import build_app
    from app.settings import Settings

    async def worker_consumer():
        app = build_app(Settings(instance_id="worker-7", datadir=tmp_path, web_enabled=False))
        thread = app.consumer._new_consumer_thread()
        return thread._create_worker_consumer(app.transport)

    consumer = asyncio.run(worker_consumer())
    assert consumer._group_instance_id == "worker-7"
    assert consumer._fetch_max_wait_ms == kafka_transport.FETCH_MAX_WAIT_MS


def test_a_commit_held_back_too_long_is_logged_once_per_period():
    from collections import namedtuple

    from structlog.testing import capture_logs

    tp = namedtuple("TP", "topic partition")("transactions", 3)
    consumer = _consumer(committed=185, acked=[186])
    consumer._committed_offset[tp], consumer._acked[tp] = 185, [186]
    with capture_logs() as logs:
        consumer._held(tp, 185, 186, now=100.0)
        consumer._held(tp, 185, 186, now=100.0 + kafka_transport.HELD_WARN_S)
        consumer._held(tp, 185, 186, now=101.0 + kafka_transport.HELD_WARN_S)
    assert [(e["event"], e["partition"], e["committed"]) for e in logs] == [("commit.held", 3, 185)]


def test_ack_keeps_the_acked_position_for_the_metric(monkeypatch):
    from types import SimpleNamespace

    from app.readiness import AckedPositions

    consumer = object.__new__(kafka_transport.Transport.Consumer)
    consumer.acked_positions = AckedPositions()
    consumer.app = SimpleNamespace()
    monkeypatch.setattr(drivers.aiokafka.Consumer, "ack", lambda self, m: True)
    consumer.ack(SimpleNamespace(tp=SimpleNamespace(topic="t", partition=1), offset=41))
    assert consumer.acked_positions.snapshot() == {("t", 1): 42}


def test_ack_waits_for_the_guard_until_the_outputs_are_delivered(monkeypatch):
    from types import SimpleNamespace

    from agents.delivery import DeliveryGuard
    from app.readiness import AckedPositions

    consumer = object.__new__(kafka_transport.Transport.Consumer)
    consumer.acked_positions = AckedPositions()
    consumer.app = SimpleNamespace()
    guard = DeliveryGuard(on_failure=lambda m, e: None)
    kafka_transport.set_delivery_guard(consumer.app, guard)
    monkeypatch.setattr(drivers.aiokafka.Consumer, "ack", lambda self, m: True)
    message = SimpleNamespace(tp=SimpleNamespace(topic="t", partition=1), offset=41)
    guard.refuse(message, RuntimeError("refused"))
    assert consumer.ack(message) is False
    assert consumer.acked_positions.snapshot() == {}
