"""Mount the console on the risk service: its pages, static CSS, error pages and the Kafka publisher."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from service.console import pages
from service.console.exceptions import ConsoleError
from service.console.publish import KafkaPublisher
from service.console.web import PREFIX, error_page

STATIC = Path(__file__).resolve().parent / "static"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Stop the publisher's producer with the service."""
    try:
        yield
    finally:
        publisher = app.state.console_publisher
        if isinstance(publisher, KafkaPublisher):
            publisher.close()


def install(app: FastAPI) -> None:
    """Console errors answer as pages (login redirect, 403, 404, 429, 503), not as the API's JSON."""
    app.state.console_publisher = KafkaPublisher(app.state.settings)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="console-static")
    app.include_router(pages.router)
    app.add_exception_handler(ConsoleError, error_page)
