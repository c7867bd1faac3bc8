"""Start `fraudstream worker` processes: the one way the demo, the benchmarks and the integration tests do it.

A worker is configured through its environment only, exactly as a deployment configures it, so what these
tools run is what production runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.settings import env_name

ROOT = Path(__file__).resolve().parent.parent


def worker_env(*, bootstrap: str, prefix: str, app_id: str, datadir: Path, partitions: int,
               **settings: str | int | float) -> dict[str, str]:
    """The environment of one worker: the caller's, plus the pipeline settings given (`web_port=6066` becomes
    FRAUDSTREAM_WEB_PORT=6066; a name `Settings` does not have is an error here, not a silent no-op)."""
    given = {"bootstrap_servers": bootstrap, "topic_prefix": prefix, "app_id": app_id, "partitions": partitions,
             "datadir": datadir, **settings}
    return {**os.environ, "PYTHONUNBUFFERED": "1", **{env_name(name): str(value) for name, value in given.items()}}


def spawn_worker(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """A worker in its own session (so a kill reaches its whole process group), logging to `log_path`."""
    log = log_path.open("ab")
    return subprocess.Popen([sys.executable, "-m", "app.cli", "worker"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
