"""The Faust app factory: settings in, a configured app with tables, agents, control plane and web pages out."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from typing import Any

import faust
import structlog
from aiohttp.web import Response

from agents.delivery import DeliveryGuard
from agents.parking import Parking
from agents.register import register_agents
from app import faust_parking, kafka_transport
from app.control import ControlPlane, StrategyHolder
from app.control.start import start_holder
from app.faust_flow import WorkerApp
from app.metrics import CONTENT_TYPE
from app.observability import observe_worker
from app.offset_gaps import GapReport, OffsetGap, find_gaps, gap_ahead
from app.readiness import Assignment
from app.settings import Settings
from app.web import ready_reply
from tables.state import UnsentChangelog, define_tables

log = structlog.get_logger(__name__)


def build_app(settings: Settings, holder: StrategyHolder | None = None) -> faust.App:
    kafka_transport.register()
    brokers = [f"{kafka_transport.SCHEME}://{address}" for address in settings.bootstrap_servers.split(",")]
    app = WorkerApp(
        settings.app_id,
        broker=brokers,
        store=settings.store,
        datadir=str(settings.datadir),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=True,
        key_serializer="raw",  # tables hold orjson bytes we encode ourselves (no pickle, no Faust models)
        value_serializer="raw",
        processing_guarantee="at_least_once",
        consumer_auto_offset_reset="earliest",
        producer_linger_ms=settings.producer_linger_ms,
        broker_commit_interval=settings.commit_interval_s,
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=min(3.0, settings.session_timeout_s / 3),
        web_enabled=settings.web_enabled,
        web_port=settings.web_port,
        web_bind=settings.web_host,
        web_tables_enabled=False,  # /table/{name}/{key} would expose customers' state unauthenticated
        autodiscover=False,
        loghandlers=[],
    )
    kafka_transport.set_instance_id(app, settings.instance_id)
    parking = Parking(settings.parked_retry_s)  # a refused output parks its input's partition
    unsent = UnsentChangelog()  # table keys whose changelog record was refused: sent again before a retry
    guard = DeliveryGuard(on_failure=faust_parking.attach(app, parking, settings.parked_retry_s, unsent).on_failure)
    kafka_transport.set_delivery_guard(app, guard)
    holder = holder or start_holder(settings)
    tables = define_tables(app, settings.partitions, settings.store_sizing(), guard, unsent)
    pipeline = register_agents(app, settings.pipeline_config(), tables, holder.current, guard, parking)
    control = ControlPlane(settings, holder, pipeline.counters.counts)
    observed = _observe(app, settings, pipeline.counters, holder, control, parking)
    _report_gaps(app, settings, pipeline)

    @app.task
    async def start_control_plane() -> None:
        # Faust's worker configures logging at start; per-message debug calls in faust/aiokafka cost ~8% of
        # the event loop unless their loggers are held at the configured level.
        level = logging.getLevelName(settings.log_level.upper())
        for name in ("faust", "mode", "aiokafka", "kafka"):
            logging.getLogger(name).setLevel(max(level, logging.INFO))
        await control.run()

    if settings.crash_only_stop:

        @app.task
        async def stop_like_a_crash() -> None:
            # Faust's graceful stop can commit offsets past events it skipped while stopping: a two-worker
            # test lost messages in about 1 of 4 graceful leaves and in none of 6 kill -9 leaves. Ending on
            # SIGTERM like a crash leaves uncommitted work to be redelivered, and the stages deduplicate it.
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, os._exit, 0)

    @app.page("/health")  # type: ignore[arg-type]  # faust's aiohttp driver serves aiohttp Responses
    async def health(web: Any, request: Any) -> Response:
        return Response(text="ok")

    @app.page("/ready")  # type: ignore[arg-type]  # as /health
    async def ready(web: Any, request: Any) -> Response:
        status, body = ready_reply(observed.readiness)
        return Response(body=body, status=status, content_type="application/json")

    @app.page("/metrics")  # type: ignore[arg-type]  # as /health
    async def metrics(web: Any, request: Any) -> Response:
        # aiohttp wants the bare media type; the version parameter goes in the header itself
        return Response(body=observed.metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    @app.task
    async def monitor_offsets() -> None:
        await observed.offsets.run()

    # Faust stalls the conductor when >100 sends (changelog + outputs) are pending, polling every 100 ms
    # (faust-streaming #173): at hundreds of tx/s that cap, not the CPU, sets the throughput.
    app.producer.buffer.max_messages = settings.producer_buffer_messages

    app.fraudstream_pipeline = pipeline  # type: ignore[attr-defined]  # carried for the web pages and tests
    app.fraudstream_observed = observed  # type: ignore[attr-defined]  # as above
    app.fraudstream_holder = holder  # type: ignore[attr-defined]  # as above
    app.fraudstream_parking = parking  # type: ignore[attr-defined]  # as above
    return app


def _report_gaps(app: faust.App, settings: Settings, pipeline: Any) -> None:
    """Dead-letter a gap report for each assigned partition whose committed offset retention overtook
    (`app.offset_gaps`); Faust has paused the partitions, so nothing on them is committed yet. While running,
    the same for each jump in the offsets read that the log start explains (`kafka_transport.set_gap_watch`)."""
    report = GapReport(pipeline.counters, settings.pipeline_config().names.dead_letter)

    async def send(gaps: list[OffsetGap]) -> None:
        for topic, key, value in report.records(gaps):
            await (await pipeline.emitter.send(topic, key, value))

    async def on_jump(tp: Any, expected: int, received: int) -> None:
        try:
            log_start = (await app.consumer.earliest_offsets(tp))[tp]
            gap = gap_ahead(tp.topic, tp.partition, expected, received, log_start)
            await send([gap] if gap is not None else [])
        except Exception as error:  # the check must not stop the worker; its failure is loud instead
            log.error("offsets.gap_check_failed", topic=tp.topic, partition=tp.partition, expected=expected,
                      received=received, error=f"{type(error).__name__}: {error}"[:300])

    kafka_transport.set_gap_watch(app, on_jump)

    @app.on_partitions_assigned.connect  # type: ignore[arg-type]  # faust passes `signal` in **kwargs
    async def on_assigned(sender: Any, assigned: Any, **kwargs: Any) -> None:
        try:
            gaps = await _faust_gaps(app, settings, assigned)
        except Exception as error:  # the check must not stop the worker; its failure is loud instead
            log.error("offsets.gap_check_failed", error=f"{type(error).__name__}: {error}"[:300])
            return
        for gap in gaps:
            app.consumer.log_start(gap.topic, gap.partition, gap.log_start)  # type: ignore[attr-defined]  # ours
        await send(gaps)


async def _faust_gaps(app: faust.App, settings: Settings, assigned: Any) -> list[OffsetGap]:
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.structs import TopicPartition

    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(
            settings.app_id, partitions=[TopicPartition(tp.topic, tp.partition) for tp in assigned])
    finally:
        await admin.close()
    committed = {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items() if meta.offset >= 0}
    if not committed:
        return []
    earliest = await app.consumer.earliest_offsets(*[tp for tp in assigned if (tp.topic, tp.partition) in committed])
    return find_gaps(committed, {(tp.topic, tp.partition): offset for tp, offset in earliest.items()})


def _observe(app: faust.App, settings: Settings, counters: Any, holder: StrategyHolder,
             control: ControlPlane, parking: Parking) -> Any:
    """Readiness from Faust's rebalance signals and table recovery; acked positions from our consumer."""
    assignment = Assignment()

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]  # faust passes `signal` in **kwargs
    async def on_revoked(sender: Any, revoked: Any, **kwargs: Any) -> None:
        assignment.revoked(revoked)

    @app.on_partitions_assigned.connect  # type: ignore[arg-type]  # as above
    async def on_assigned(sender: Any, assigned: Any, **kwargs: Any) -> None:
        assignment.assigned(assigned)

    def recovered() -> bool:
        tables: Any = app.tables  # a TableManager: `recovery` is not on the TableManagerT interface
        return bool(tables.recovery.completed.is_set() and not app.in_recovery and not app.rebalancing)

    def acked() -> dict[tuple[str, int], int]:
        positions = getattr(app.consumer, "acked_positions", None)
        return positions.snapshot() if positions is not None else {}

    return observe_worker(settings, counters, holder, control, assignment, acked, recovered, parking.snapshot)
