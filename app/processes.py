"""Start `fraudstream worker` processes: the one way the demo, the benchmarks and the integration tests do it.

A worker is configured through its environment only, exactly as a deployment configures it, so what these
tools run is what production runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def worker_env(*, bootstrap: str, prefix: str, app_id: str, datadir: Path, partitions: int,
               **settings: str | int | float) -> dict[str, str]:
    """The environment of one worker: the caller's, plus the pipeline settings given (`web_port=6066` becomes
    FRAUDSTREAM_WEB_PORT=6066)."""
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "FRAUDSTREAM_TOPIC_PREFIX": prefix,
           "FRAUDSTREAM_APP_ID": app_id, "FRAUDSTREAM_PARTITIONS": str(partitions),
           "FRAUDSTREAM_DATADIR": str(datadir), "PYTHONUNBUFFERED": "1"}
    env.update({f"FRAUDSTREAM_{name.upper()}": str(value) for name, value in settings.items()})
    return env


def spawn_worker(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """A worker in its own session (so a kill reaches its whole process group), logging to `log_path`."""
    return spawn_cli(["worker"], env, log_path)


def spawn_cli(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """`fraudstream <args>` (e.g. `service run`) the same way: own session, environment only, one log file."""
    log = log_path.open("ab")
    return subprocess.Popen([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env,  # noqa: S603 - our argv
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
