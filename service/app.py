"""The risk service's FastAPI app, built from Settings at the entry point (`build`, `fraudstream service run`).

`create_app` is the composition point other parts plug into: `routers` (e.g. the in-event decision API) and
`lifespans` (async context managers entered at start, left at stop, in order: a reply consumer, say). The
app opens the store (migrating it to head), runs the store sink on a thread when `FRAUDSTREAM_SINK_ENABLED`,
and publishes its OpenAPI document at /openapi.json (docs at /docs).

`/health` is liveness only; `/ready` answers 200 only when every readiness check passes: the store answers,
and each part that registered a check in `app.state.ready_checks` (the decision API: its reply consumer is
positioned on every partition) says so; else 503. The body names each check, as the workers' /ready does.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text

from app.settings import Settings
from service.api import query
from service.decide import api as decide
from service.exceptions import ServiceError
from service.sink import StoreSink
from service.store.api_keys import KeyCache
from service.store.engine import migrate, open_engine

log = structlog.get_logger(__name__)
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]
ReadyCheck = Callable[[], bool]
SINK_STOP_TIMEOUT_S = 30.0


@asynccontextmanager
async def _store_and_sink(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    if app.state.store is None:
        app.state.store = open_engine(settings.resolved_store_url())
    migrate(app.state.store)
    app.state.ready_checks["store"] = lambda: _store_answers(app.state.store)
    stop, thread = threading.Event(), None
    if settings.sink_enabled:
        app.state.sink = StoreSink(settings, app.state.store)
        thread = threading.Thread(target=app.state.sink.run, args=(stop,), name="store-sink", daemon=True)
        thread.start()
    log.info("service.started", store=app.state.store.url.render_as_string(hide_password=True),
             sink=settings.sink_enabled)
    try:
        yield
    finally:
        stop.set()
        if thread is not None:
            thread.join(SINK_STOP_TIMEOUT_S)
        app.state.store.dispose()


def _store_answers(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as err:  # any driver error means the same: not ready
        log.warning("service.store_unreachable", error=repr(err)[:300])
        return False
    return True


async def _service_error(_request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, ServiceError)
    return JSONResponse(status_code=err.status, content={"error": {"code": err.code, "message": str(err)}})


def create_app(settings: Settings, *, routers: Sequence[APIRouter] = (), lifespans: Sequence[Lifespan] = (),
               engine: Engine | None = None) -> FastAPI:
    """`engine`: an already open store (tests); otherwise the one `FRAUDSTREAM_STORE_URL` names."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(_store_and_sink(app))
            for part in lifespans:
                await stack.enter_async_context(part(app))
            yield

    app = FastAPI(title="fraudstream risk service", version="1", lifespan=lifespan,
                  description="Risk query API over the decision store (decisions, alerts, entity risk, blocks, "
                              "versions). Every call needs an API key (X-API-Key) and sees its branch scope only.")
    app.state.settings, app.state.store, app.state.sink = settings, engine, None
    app.state.ready_checks = {"store": lambda: False}  # until the lifespan has opened and migrated it
    app.state.key_cache = KeyCache(settings.api_key_cache_s)
    app.add_exception_handler(ServiceError, _service_error)
    app.include_router(query.router)
    for router in routers:
        app.include_router(router)

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        """Liveness only: the process serves HTTP."""
        return {"status": "ok"}

    @app.get("/ready", tags=["operations"], responses={503: {"description": "a check failed: no traffic yet"}})
    def ready() -> JSONResponse:
        """Readiness: the store answers and every registered part is ready (checks by name)."""
        checks: dict[str, ReadyCheck] = app.state.ready_checks
        results = {name: check() for name, check in checks.items()}
        return JSONResponse(status_code=200 if all(results.values()) else 503,
                            content={"ready": all(results.values()), **results})

    return app


def build(settings: Settings) -> FastAPI:
    """The service as `fraudstream service run` starts it: the composition root for its parts."""
    lifespans: list[Lifespan] = [decide.lifespan]
    if settings.console_enabled:
        from service.console import mount as console  # jinja2, argon2: the console's only

        lifespans.append(console.lifespan)
    app = create_app(settings, routers=[decide.router], lifespans=lifespans)
    decide.install(app)
    if settings.console_enabled:
        console.install(app)
    return app
