"""The Quix Streams worker: settings in, a configured Application with dataframes, control plane and web out."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import structlog
from quixstreams.models.topics import TopicManager
from quixstreams.state.rocksdb import RocksDBOptions

from agents.parking import Parking
from agents.quix_dataframes import QuixPipeline, build_dataframes
from app.control import ControlPlane, StrategyHolder
from app.control.start import compile_in_background, start_holder
from app.localkafka import wait_ready
from app.observability import observe_worker
from app.offset_gaps import GapReport, ReadPositions, find_gaps, gap_ahead
from app.quix_admin import StartupAdmin, Watermarks
from app.quix_hooks import ObservedApplication
from app.readiness import TP, AckedPositions, Assignment
from app.settings import Settings
from app.startup import mark
from app.web import serve
from tables.state import MIB

log = structlog.get_logger(__name__)


def build_application(settings: Settings, on_processed: Callable[[str, int, int], None] | None = None,
                      parking: Parking | None = None) -> ObservedApplication:
    """`on_processed(topic, partition, offset)` runs after each record is processed, before its checkpoint."""
    # fetch.wait.max.ms: librdkafka's default (500 ms) lets the broker hold an empty fetch that long, and every
    # other request on that connection queues behind it; each of the pipeline's hops waited up to as long at
    # light load. The start's own look-ups (topic configs, watermarks) go out in batches (`app.quix_admin`).
    consumer: dict[str, int | str] = {"session.timeout.ms": int(settings.session_timeout_s * 1000),
                "heartbeat.interval.ms": int(min(3.0, settings.session_timeout_s / 3) * 1000),
                "fetch.wait.max.ms": settings.fetch_max_wait_ms}
    if settings.instance_id:
        consumer["group.instance.id"] = settings.instance_id
    producer: dict[str, int | str] = {"linger.ms": settings.producer_linger_ms}
    admin = StartupAdmin(settings.bootstrap_servers, [*settings.topic_names().partitioned()],
                         internal_prefix=f"changelog__{settings.app_id}--", extra_config=producer)
    return ObservedApplication(
        assignment=Assignment(),
        parking=parking,
        on_message_processed=on_processed,
        broker_address=settings.bootstrap_servers,
        consumer_group=settings.app_id,
        auto_offset_reset="earliest",
        commit_interval=settings.commit_interval_s,
        processing_guarantee=settings.processing_guarantee,
        state_dir=str(settings.datadir / "quix"),
        rocksdb_options=RocksDBOptions(block_cache_size=settings.state_cache_mb * MIB,
                                       write_buffer_size=settings.state_write_buffer_mb * MIB,
                                       max_write_buffer_number=2),
        consumer_extra_config=consumer,
        producer_extra_config=producer,
        consumer_poll_timeout=0.1,
        loglevel=None,
        topic_manager=TopicManager(topic_admin=admin, consumer_group=settings.app_id, auto_create_topics=True),
        use_changelog_topics=True,
    )


def is_broker_failure(error: BaseException) -> bool:
    """An error Quix Streams or librdkafka raised out of `Application.run`: a static member fenced after its
    session lapsed, watermarks or commits that timed out while the broker was unreachable. Our handlers' own
    errors are not among them (they dead-letter what they cannot process)."""
    return type(error).__module__.split(".")[0] in ("quixstreams", "confluent_kafka", "cimpl")


def restart_in_place(settings: Settings, error: BaseException) -> None:
    """Start this worker afresh once the broker answers again: what a supervisor would do after the crash,
    without needing one. Nothing was committed past the last checkpoint, so the new run resumes from there."""
    log.error("worker.restarting", reason=f"{type(error).__name__}: {str(error)[:300]}")
    while not wait_ready(settings.bootstrap_servers, timeout_s=5.0):
        log.warning("worker.waiting_for_broker", bootstrap=settings.bootstrap_servers)
    logging.shutdown()
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])  # noqa: S606 - our own command line


def report_gaps(settings: Settings, report: GapReport, consumer: Any, partitions: list[Any],
                watermarks: Watermarks) -> dict[TP, int]:
    """Dead-letter a gap report for each newly assigned partition whose committed offset retention overtook
    (`app.offset_gaps`): librdkafka would reset it to the log start without a word. Runs in the assignment
    callback, before the partitions are processed, so nothing is committed past the gap yet. Returns the offset
    each partition with a committed offset resumes at (the committed one, or the log start after a gap). The log
    starts come from the assignment's batched `watermarks`; a partition the batch missed is asked on its own."""
    from confluent_kafka import TopicPartition

    try:
        committed = {(tp.topic, tp.partition): tp.offset
                     for tp in consumer.committed([TopicPartition(tp.topic, tp.partition) for tp in partitions],
                                                  timeout=10)}
        log_start = {tp: watermarks[tp][0] if tp in watermarks else
                     consumer.get_watermark_offsets(TopicPartition(*tp), timeout=10, cached=False)[0]
                     for tp, offset in committed.items() if offset >= 0}
    except Exception as error:  # the check must not stop the worker; its failure is loud instead
        log.error("offsets.gap_check_failed", error=f"{type(error).__name__}: {error}"[:300])
        return {}
    _send(settings, report.records(find_gaps(committed, log_start)))
    return {tp: max(offset, log_start[tp]) for tp, offset in committed.items() if offset >= 0}


def _send(settings: Settings, records: list[tuple[str, bytes, bytes]]) -> None:
    """Gap reports go out on a producer of their own, flushed at once: nothing is committed before they are sent."""
    from confluent_kafka import Producer

    if records:
        producer = Producer({"bootstrap.servers": settings.bootstrap_servers})
        for topic, key, value in records:
            producer.produce(topic, value, key)
        if producer.flush(10):
            log.error("offsets.gap_report_unsent", reports=len(records))


class RunningGaps:
    """Reports the records retention deleted ahead of the running worker (`app.offset_gaps`): librdkafka resets an
    out-of-range fetch to the log start without a word. Each jump in the offsets processed is checked against the
    log start, before the checkpoint that would commit past it."""

    def __init__(self, settings: Settings, report: GapReport, app: ObservedApplication) -> None:
        self.settings, self.report, self.app = settings, report, app
        self.positions = ReadPositions()

    def assigned(self, consumer: Any, partitions: list[Any], watermarks: Watermarks) -> None:
        """The assignment check covers each new partition up to where it resumes; the watch takes over there."""
        self.positions.forget((tp.topic, tp.partition) for tp in partitions)
        resumes = report_gaps(self.settings, self.report, consumer, partitions, watermarks)
        for (topic, partition), offset in resumes.items():
            self.positions.resume(topic, partition, offset)

    def processed(self, topic: str, partition: int, offset: int) -> None:
        expected = self.positions.read(topic, partition, offset)
        if expected is None:
            return
        try:
            gap = gap_ahead(topic, partition, expected, offset, self.app.log_start(topic, partition))
        except Exception as error:  # the check must not stop the worker; its failure is loud instead
            log.error("offsets.gap_check_failed", topic=topic, partition=partition, expected=expected,
                      received=offset, error=f"{type(error).__name__}: {error}"[:300])
            return
        if gap is not None:
            _send(self.settings, self.report.records([gap]))


def start_services(settings: Settings, holder: StrategyHolder, pipeline: QuixPipeline, app: ObservedApplication,
                   acked: AckedPositions, parking: Parking | None) -> None:
    """The control plane, offsets monitor and web server, once the strategy they report on is compiled."""
    mark("rules")
    control = ControlPlane(settings, holder, pipeline.counters.counts)
    # The control plane follows its topic outside the consumer group, on a thread of its own; the strategy
    # swap is one reference assignment, which the processing thread reads atomically.
    observed = observe_worker(settings, pipeline.counters, holder, control, app.assignment, acked.snapshot,
                              app.recovered, parking.snapshot if parking is not None else tuple)

    async def control_and_offsets() -> None:
        await asyncio.gather(control.run(), observed.offsets.run())

    threading.Thread(target=lambda: asyncio.run(control_and_offsets()), name="control", daemon=True).start()
    if settings.web_enabled:
        serve(settings.web_host, settings.web_port, observed.metrics.render, observed.readiness)
    mark("web")


def run_quix_worker(settings: Settings, compiling: Future[StrategyHolder] | None = None) -> None:
    """`compiling`: the strategy `app.control.start` is building (started here when not given)."""
    compiling = compiling or compile_in_background(lambda: start_holder(settings))
    acked = AckedPositions()

    def processed(topic: str, partition: int, offset: int) -> None:
        acked.acked(topic, partition, offset)
        gaps.processed(topic, partition, offset)  # bound below, before the application runs

    # exactly-once: a refused output fails the whole checkpoint's transaction, so parking one partition cannot
    # save the others' work; that worker restarts in place instead (`app/quix_parking.py`)
    parking = Parking(settings.parked_retry_s) if settings.processing_guarantee == "at-least-once" else None
    app = build_application(settings, processed, parking)
    # the score stage asks for the strategy once per batch; its first batch waits for the compile if need be
    pipeline: QuixPipeline = build_dataframes(app, settings.pipeline_config(), lambda: compiling.result().current(),
                                              app.parker)
    mark("pipeline")
    report = GapReport(pipeline.counters, settings.pipeline_config().names.dead_letter)
    gaps = RunningGaps(settings, report, app)

    serving: Future[None] = Future()  # the strategy compiled and the services started, or why not

    def on_compiled(done: Future[StrategyHolder]) -> None:
        try:
            start_services(settings, done.result(), pipeline, app, acked, parking)
            serving.set_result(None)
        except BaseException as error:  # a ruleset that does not compile, a web port in use: the worker stops
            serving.set_exception(error)
            app.stop(fail=True)  # `app.run` returns, and the error ends the worker below

    def on_assigned(consumer: Any, partitions: list[Any], watermarks: Watermarks) -> None:
        gaps.assigned(consumer, partitions, watermarks)
        if serving.exception() is not None:  # waits for the compile: nothing is processed before it
            app.stop(fail=True)

    app.on_assigned = on_assigned
    logging.getLogger("quixstreams").setLevel(logging.getLevelName(settings.log_level.upper()))
    compiling.add_done_callback(on_compiled)
    if serving.done():
        serving.result()  # it failed before the application ran: end here, as before
    log.info("worker.starting", engine="quix", group=settings.app_id, guarantee=settings.processing_guarantee)
    app.run()
    serving.result()  # a strategy that did not compile, or a service that did not start, ends the worker
