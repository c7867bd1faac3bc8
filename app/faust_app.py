"""The Faust app factory: settings in, a configured app with tables, agents, control plane and web pages out."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from typing import Any

import faust
import orjson
import structlog
from aiohttp.web import Response

from agents.register import register_agents
from app import kafka_transport
from app.control import ControlPlane, StrategyHolder
from app.settings import Settings
from tables.state import define_tables

log = structlog.get_logger(__name__)


def build_app(settings: Settings, holder: StrategyHolder | None = None) -> faust.App:
    kafka_transport.register()
    brokers = [f"{kafka_transport.SCHEME}://{address}" for address in settings.bootstrap_servers.split(",")]
    app = faust.App(
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
    holder = holder or StrategyHolder.from_files(settings)
    tables = define_tables(app, settings.partitions, settings.store_sizing())
    pipeline = register_agents(app, settings.pipeline_config(), tables, holder.current)
    control = ControlPlane(settings, holder, pipeline.counters.counts)

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

    @app.page("/health")
    async def health(web: Any, request: Any) -> Response:
        return Response(text="ok")

    @app.page("/metrics")
    async def metrics(web: Any, request: Any) -> Response:
        body = {"counters": dict(pipeline.counters.counts), "versions": holder.versions_dict()}
        return Response(body=orjson.dumps(body), content_type="application/json")

    # Faust stalls the conductor when >100 sends (changelog + outputs) are pending, polling every 100 ms
    # (faust-streaming #173): at hundreds of tx/s that cap, not the CPU, sets the throughput.
    app.producer.buffer.max_messages = settings.producer_buffer_messages

    app.fraudstream_pipeline = pipeline  # type: ignore[attr-defined]
    app.fraudstream_holder = holder  # type: ignore[attr-defined]
    return app
