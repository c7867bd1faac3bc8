"""The Faust app factory: settings in, a configured app with tables, agents, control plane and web pages out."""

from __future__ import annotations

from typing import Any

import faust
import orjson
import structlog
from aiohttp.web import Response

from agents.register import register_agents
from app.control import ControlPlane, StrategyHolder
from app.settings import Settings
from tables.state import define_tables

log = structlog.get_logger(__name__)


def build_app(settings: Settings, holder: StrategyHolder | None = None) -> faust.App:
    brokers = [f"kafka://{address}" for address in settings.bootstrap_servers.split(",")]
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
        web_tables_enabled=False,  # /table/{name}/{key} would expose customers' state unauthenticated
        autodiscover=False,
        loghandlers=[],
    )
    holder = holder or StrategyHolder.from_files(settings)
    tables = define_tables(app, settings)
    pipeline = register_agents(app, settings, tables, holder.current)
    control = ControlPlane(settings, holder)

    @app.task
    async def start_control_plane() -> None:
        await control.run()

    @app.page("/health")
    async def health(web: Any, request: Any) -> Response:
        return Response(text="ok")

    @app.page("/metrics")
    async def metrics(web: Any, request: Any) -> Response:
        body = {"counters": dict(pipeline.counters.counts), "versions": holder.versions_dict()}
        return Response(body=orjson.dumps(body), content_type="application/json")

    app.fraudstream_pipeline = pipeline  # type: ignore[attr-defined]
    app.fraudstream_holder = holder  # type: ignore[attr-defined]
    return app
