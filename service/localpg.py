"""A throwaway PostgreSQL server for tests, the bench and one-machine trials: temp data dir, free port.

PostgreSQL refuses to run as root, so when we are root (CI, containers) initdb and the server run as the
`postgres` user that Debian's package creates (`make postgres` installs the package when it is missing).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from service.exceptions import LocalPostgresError

DB_NAME = "fraudstream"


@dataclass(frozen=True)
class LocalPostgres:
    url: str
    port: int
    data_dir: Path
    bin_dir: Path
    run_as: str | None


def bin_dir() -> Path:
    """The newest installed server's binaries (Debian keeps them off PATH under /usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise LocalPostgresError("no PostgreSQL server found (initdb): run `make postgres` "
                             "(apt-get install postgresql) or install it another way")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(command: list[str], run_as: str | None) -> None:
    prefix = ["runuser", "-u", run_as, "--"] if run_as else []
    result = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=120,  # noqa: S603 - our argv
                            check=False)
    if result.returncode != 0:
        raise LocalPostgresError(f"{Path(command[0]).name} failed ({result.returncode}): "
                                 f"{(result.stderr or result.stdout)[-2000:]}")


def start(parent: Path | None = None) -> LocalPostgres:
    """initdb a fresh cluster (trust auth on 127.0.0.1 only), start it, create the database."""
    binaries = bin_dir()
    run_as = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="fraudstream-pg-", dir=parent))
    data = root / "data"
    if run_as:
        shutil.chown(root, user=run_as)
    _run([str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
          "--locale=C", "--no-sync"], run_as)
    port = _free_port()
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    _run([str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "server.log"), "-w",
          "-t", "60", "start"], run_as)
    handle = LocalPostgres(f"postgresql+psycopg://postgres@127.0.0.1:{port}/{DB_NAME}", port, data, binaries,
                           run_as)
    try:
        _run([str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", DB_NAME], run_as)
    except LocalPostgresError:
        stop(handle)
        raise
    return handle


def stop(handle: LocalPostgres) -> None:
    """Stop the server (fast: roll back open transactions) and delete its files."""
    try:
        _run([str(handle.bin_dir / "pg_ctl"), "-D", str(handle.data_dir), "-m", "fast", "-w", "stop"],
             handle.run_as)
    finally:
        shutil.rmtree(handle.data_dir.parent, ignore_errors=True)
