"""Run one worker process on the configured engine: create topics, build the pipeline, hand over to the engine."""

from __future__ import annotations

import asyncio

from app.logs import configure_logging
from app.settings import Settings
from app.startup import mark
from app.topics import ensure_topics


def run_worker(settings: Settings) -> None:
    configure_logging(settings.log_level)
    mark("settings", engine=settings.engine)
    from app.control.start import compile_in_background, start_holder

    # the control topic's round trips and the compile overlap creating the topics and importing the engine (on a
    # first start ever the control topic may not exist yet: then nothing was published, and the files are used)
    compiling = compile_in_background(lambda: start_holder(settings))
    if settings.engine == "quix":
        asyncio.run(ensure_topics(settings))
        mark("topics")
        settings.datadir.mkdir(parents=True, exist_ok=True)
        from app.quix_app import is_broker_failure, restart_in_place, run_quix_worker  # Faust never loads librdkafka

        mark("imports")

        try:
            run_quix_worker(settings, compiling)
        except Exception as error:
            if is_broker_failure(error):
                restart_in_place(settings, error)
            raise
        return
    import faust  # the Quix Streams worker never imports Faust (about a second of its start)

    from app.faust_app import build_app

    if settings.uvloop:
        import mode.loop

        mode.loop.use("uvloop")  # a faster event loop: the worker is bound by per-message asyncio overhead
    asyncio.run(ensure_topics(settings))
    settings.datadir.mkdir(parents=True, exist_ok=True)
    app = build_app(settings, compiling.result())
    worker = faust.Worker(app, loglevel=settings.log_level.upper(), quiet=True, redirect_stdouts=False)
    worker.execute_from_commandline()
