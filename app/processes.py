"""Start `fraudstream worker` processes: the one way the demo, the benchmarks and the integration tests do it.

A worker is configured through its environment only, exactly as a deployment configures it, so what these
tools run is what production runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from app.exceptions import AppError
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
    return spawn_cli(["worker"], env, log_path)


def spawn_cli(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """`fraudstream <args>` (e.g. `service run`) the same way: own session, environment only, one log file."""
    log = log_path.open("ab")
    return subprocess.Popen([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env,  # noqa: S603 - our argv
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)


class ManagedWorker:
    """One worker subprocess driven from outside, as an operator would: start, wait until it answers, kill -9,
    stop. The integration tests and `make chaos` use it."""

    def __init__(self, name: str, env: dict[str, str], log_path: Path, web_port: int) -> None:
        self.name, self.env, self.log_path, self.web_port = name, env, log_path, web_port
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ManagedWorker:
        self.proc = spawn_worker(self.env, self.log_path)
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}/health", timeout=1) as resp:
                return bool(resp.status == 200)
        except OSError:
            return False

    def wait_healthy(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise AppError(f"worker {self.name} exited:\n{self.tail()}")
            if self.healthy():
                return
            time.sleep(0.3)
        raise AppError(f"worker {self.name} not healthy in {timeout_s}s:\n{self.tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no final commit: the crash case."""
        if self.alive():
            assert self.proc is not None
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout_s: float = 30.0) -> None:
        if not self.alive():
            return
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""
