"""Where a worker's start goes: one debug event per phase, from the CLI's import to the first record processed.

After a kill -9 the first decision must come within seconds; `worker.startup` events (`FRAUDSTREAM_LOG_LEVEL=debug`)
say which phase took the time: `elapsed_s` since `app.cli` was imported (the interpreter's own start is not in it;
`cpu_s`, the process's CPU time so far, includes it; `thread_cpu_s` is the calling thread's share), `phase_s`
since the previous event.
"""

from __future__ import annotations

import time
from typing import Any

import structlog

log = structlog.get_logger(__name__)

_marks = [time.monotonic()]  # the import, then the last phase's end: one timeline per process


def mark(phase: str, **fields: Any) -> None:
    """Log that `phase` just ended."""
    now = time.monotonic()
    log.debug("worker.startup", phase=phase, elapsed_s=round(now - _marks[0], 3), phase_s=round(now - _marks[-1], 3),
              cpu_s=round(time.process_time(), 3), thread_cpu_s=round(time.thread_time(), 3), **fields)
    _marks[1:] = [now]
