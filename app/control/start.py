"""A starting worker's strategy: the versions the control topic names, read before anything is decided.

Deciding with the files first and swapping in the published versions a second later would be a silent rollback
after every restart, and the first decision is the one that is kept. So the worker reads the control topic to its
end, folds it as the control plane does, and compiles once: the active versions, or the files when nothing is
published. A broker that does not answer within FRAUDSTREAM_CONTROL_START_TIMEOUT_S, or active versions that do
not compile, are logged and the worker starts on the files; the control plane then catches up (or refuses) as it
always does. Nothing read here can stop the worker: refused records are logged and skipped, and the control plane
counts and dead-letters them when it reads them again.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

import structlog

from app.control.active import active_sources
from app.control.exceptions import ControlError
from app.control.holder import StrategyHolder, file_sources
from app.control.reader import read_control
from app.control.records import ControlState
from app.settings import Settings
from risk.rules import DEFAULT_RULESET_LIMITS, RulesetLimits
from risk.strategy import StrategySources

log = structlog.get_logger(__name__)
T = TypeVar("T")


def start_holder(settings: Settings) -> StrategyHolder:
    """The strategy to decide with from the first record on; never raises for what the control topic holds."""
    files = file_sources(settings)
    token = settings.admin_token.get_secret_value() if settings.admin_token else ""
    return first_holder(files, _published(settings, token, files) if token else None, settings.ruleset_limits())


def first_holder(files: StrategySources, published: StrategySources | None,
                 limits: RulesetLimits = DEFAULT_RULESET_LIMITS) -> StrategyHolder:
    """Compiled once: `published` when there is one that compiles, else `files`."""
    if published is not None and published != files:
        try:
            holder = StrategyHolder(published, limits)
        except Exception as err:  # the running control plane refuses (and dead-letters) it again
            log.error("control.start_refused", reason=f"{type(err).__name__}: {err}"[:2000], starting_on="files")
        else:
            log.info("control.start_applied", **holder.versions_dict())
            return holder
    return StrategyHolder(files, limits)


def _published(settings: Settings, token: str, files: StrategySources) -> StrategySources | None:
    """The sources the active pointers name, over `files`; None when the topic cannot be read or is incomplete."""
    timeout_s = settings.control_start_timeout_s

    def refused(offset: int, key: bytes | None, error: ControlError) -> None:
        log.warning("control.start_skipped", code=error.code, offset=offset,
                    key=(key or b"")[:200].decode("utf-8", errors="replace"), reason=str(error)[:500])

    try:
        state: ControlState = _run(asyncio.wait_for(read_control(settings, token, refused), timeout_s))
    except Exception as err:  # unreachable broker, timeout: the control plane catches up later, as it retries
        log.error("control.start_unread", error=f"{type(err).__name__}: {err}"[:500], timeout_s=timeout_s,
                  starting_on="files", then="the control plane swaps in the published versions once it reads them")
        return None
    try:
        return active_sources(state, files)
    except ControlError as err:
        log.error("control.start_refused", code=err.code, reason=str(err)[:2000], starting_on="files")
        return None


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """On an event loop of its own thread: callers may already be inside one (Faust's `build_app` in tests)."""
    return compile_in_background(lambda: asyncio.run(coroutine), name="control-start").result()


def compile_in_background(build: Callable[[], T], name: str = "compile") -> Future[T]:
    """`build()` on a thread of its own: a restart spends the compile's CPU and the control read's round trips
    while the main thread waits on the broker (group join, watermarks) and on fsync (opening the state stores)."""
    done: Future[T] = Future()

    def run() -> None:
        try:
            done.set_result(build())
        except BaseException as error:  # handed to whoever waits: the worker stops with it
            done.set_exception(error)

    threading.Thread(target=run, name=name, daemon=True).start()
    return done
