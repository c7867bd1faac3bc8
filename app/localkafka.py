"""A real single-node Apache Kafka (KRaft) broker from Maven Central jars, for tests and the demo.

Our machines have Java and Maven but no Docker, so the broker is the official `kafka_2.13` artifact,
resolved once into a git-ignored cache and started as a plain JVM process on 127.0.0.1 with free ports.

    python -m app.localkafka up --name demo     # prints the bootstrap address
    python -m app.localkafka down --name demo

Where the jars are cached, which Kafka version, which Java and heap come from `DevSettings`, built by the
caller's entry point (this module's `main`, the demo, the benchmarks, the test fixtures).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import structlog

from app.commands.errors import error_line
from app.exceptions import AppError, LocalKafkaError
from app.settings import KAFKA_VERSION, DevSettings, build_settings, env_name

log = structlog.get_logger(__name__)

ROOT = Path(__file__).resolve().parent.parent
POM = ROOT / "deploy" / "kafka" / "pom.xml"
FETCH_ATTEMPTS = 3
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies"


@dataclass(frozen=True)
class BrokerHandle:
    name: str
    version: str
    bootstrap: str
    pid: int
    run_dir: Path


def libs_dir(dev: DevSettings, version: str) -> Path:
    return dev.cache_dir / "kafka" / version / "libs"


def fetch_jars(dev: DevSettings, version: str | None = None) -> Path:
    """Resolve the broker's runtime jars with Maven once; later calls reuse the cache offline."""
    version = version or dev.kafka_version
    target = libs_dir(dev, version)
    marker = target / ".complete"
    if marker.exists():
        return target
    if shutil.which("mvn") is None:
        raise LocalKafkaError("Maven ('mvn') is not on PATH: install Maven or set KAFKA_BOOTSTRAP_SERVERS")
    tmp = target.with_name("libs.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    cmd = [
        "mvn", "-q", "-B", "-f", str(POM), DEPENDENCY_PLUGIN,
        "-DincludeScope=runtime", f"-Dkafka.version={version}", f"-DoutputDirectory={tmp}",
    ]
    if version.startswith("3."):
        cmd.append("-DlegacyLogging=true")
    log.info("kafka.fetch", version=version, target=str(target))
    for attempt in range(1, FETCH_ATTEMPTS + 1):  # Maven Central hiccups should not fail a CI run
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode == 0:
            break
        log.warning("kafka.fetch_failed", attempt=attempt, tail=done.stdout[-500:])
        time.sleep(5 * attempt)
    if done.returncode != 0:
        raise LocalKafkaError(
            f"Maven could not resolve org.apache.kafka:kafka_2.13:{version}:\n"
            f"{done.stdout[-3000:]}{done.stderr[-2000:]}"
        )
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    marker.write_text(version)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_dir(dev: DevSettings, name: str) -> Path:
    return dev.cache_dir / "kafka-run" / name


def _server_properties(port: int, controller_port: int, data_dir: Path, version: str) -> str:
    props = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{controller_port}",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(data_dir),
        "num.partitions": "1",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "4",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "4",
        "group.initial.rebalance.delay.ms": "0",
        "num.network.threads": "2",
        "num.io.threads": "4",
        "background.threads": "2",
        "log.cleaner.threads": "1",
        "log.cleaner.dedupe.buffer.size": str(32 * 1024 * 1024),
        "auto.create.topics.enable": "false",
        "message.max.bytes": str(1024 * 1024),
        "log.retention.hours": "168",
    }
    if not version.startswith("3."):
        props["share.coordinator.state.topic.replication.factor"] = "1"
        props["share.coordinator.state.topic.min.isr"] = "1"
    return "".join(f"{key}={value}\n" for key, value in props.items())


def _log_config(directory: Path, version: str) -> list[str]:
    logfile = directory / "broker.log"
    if version.startswith("3."):
        cfg = directory / "log4j.properties"
        cfg.write_text(
            "log4j.rootLogger=WARN, file\n"
            "log4j.appender.file=org.apache.log4j.FileAppender\n"
            f"log4j.appender.file.File={logfile}\n"
            "log4j.appender.file.layout=org.apache.log4j.PatternLayout\n"
            "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
            "log4j.logger.kafka.server.KafkaServer=INFO\nlog4j.logger.kafka.server.KafkaRaftServer=INFO\n"
        )
        return [f"-Dlog4j.configuration=file:{cfg}"]
    cfg = directory / "log4j2.properties"
    cfg.write_text(
        "status = error\n"
        "appender.file.type = File\nappender.file.name = FILE\n"
        f"appender.file.fileName = {logfile}\n"
        "appender.file.layout.type = PatternLayout\n"
        "appender.file.layout.pattern = [%d] %p %m (%c)%n\n"
        "rootLogger.level = WARN\nrootLogger.appenderRef.file.ref = FILE\n"
        "logger.server.name = kafka.server\nlogger.server.level = INFO\n"
    )
    return [f"-Dlog4j2.configurationFile={cfg}"]


def _java(dev: DevSettings) -> str:
    java = str(dev.java_home / "bin" / "java") if dev.java_home else shutil.which("java")
    if not java:
        raise LocalKafkaError("Java is not installed: the local broker needs a JRE 17+ ('java' on PATH)")
    return java


def read_handle(dev: DevSettings, name: str) -> BrokerHandle | None:
    directory = run_dir(dev, name)
    try:
        pid = int((directory / "broker.pid").read_text())
        bootstrap = (directory / "bootstrap").read_text().strip()
        version = (directory / "version").read_text().strip()
    except (FileNotFoundError, ValueError):
        return None
    if not _alive(pid):
        return None
    return BrokerHandle(name, version, bootstrap, pid, directory)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"))


def start(dev: DevSettings, name: str = "default", version: str | None = None,
          timeout_s: float = 90.0) -> BrokerHandle:
    """Start (or reuse) the named broker and return once it answers a real metadata request."""
    version = version or dev.kafka_version
    existing = read_handle(dev, name)
    if existing is not None:
        if existing.version == version and wait_ready(existing.bootstrap, timeout_s=15):
            return existing
        stop(dev, name)
    libs = fetch_jars(dev, version)
    directory = run_dir(dev, name)
    shutil.rmtree(directory, ignore_errors=True)
    (directory / "data").mkdir(parents=True)
    port, controller_port = free_port(), free_port()
    props = directory / "server.properties"
    props.write_text(_server_properties(port, controller_port, directory / "data", version))
    classpath = f"{libs}/*"
    java = _java(dev)
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    fmt = subprocess.run(  # noqa: S603
        [java, "-cp", classpath, "kafka.tools.StorageTool", "format", f"--cluster-id={cluster_id}",
         "--config", str(props)],
        capture_output=True, text=True, check=False,
    )
    if fmt.returncode != 0:
        raise LocalKafkaError(f"kafka storage format failed: {fmt.stdout}{fmt.stderr}")
    heap = dev.kafka_heap.split()
    jvm = [*heap, "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-XX:TieredStopAtLevel=1",
           "-Djava.awt.headless=true", *_log_config(directory, version)]
    out = (directory / "stdout.log").open("wb")
    proc = subprocess.Popen(  # noqa: S603
        [java, *jvm, "-cp", classpath, "kafka.Kafka", str(props)],
        stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    bootstrap = f"127.0.0.1:{port}"
    (directory / "broker.pid").write_text(str(proc.pid))
    (directory / "bootstrap").write_text(bootstrap)
    (directory / "version").write_text(version)
    if not wait_ready(bootstrap, timeout_s=timeout_s, pid=proc.pid):
        tail = _tail(directory / "broker.log") + _tail(directory / "stdout.log")
        stop(dev, name)
        raise LocalKafkaError(f"Kafka {version} did not become ready on {bootstrap} in {timeout_s:.0f}s:\n{tail}")
    log.info("kafka.up", name=name, version=version, bootstrap=bootstrap, pid=proc.pid)
    return BrokerHandle(name, version, bootstrap, proc.pid, directory)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


def wait_ready(bootstrap: str, timeout_s: float = 60.0, pid: int | None = None) -> bool:
    """Ready means a client's metadata request succeeds, not that a port accepts TCP."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if pid is not None and not _alive(pid):
            return False
        if asyncio.run(_metadata_ok(bootstrap)):
            return True
        time.sleep(0.5)
    return False


async def _metadata_ok(bootstrap: str) -> bool:
    import logging

    from aiokafka.admin import AIOKafkaAdminClient

    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # "connection refused" is expected while booting
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    try:
        await admin.start()
        await admin.list_topics()
        return True
    except Exception:  # any failure means "not yet"
        return False
    finally:
        await admin.close()


def stop(dev: DevSettings, name: str = "default", timeout_s: float = 30.0) -> bool:
    """Stop the named broker by its pid (SIGTERM, then SIGKILL) and delete its data."""
    directory = run_dir(dev, name)
    pid_file = directory / "broker.pid"
    stopped = False
    if pid_file.exists():
        pid = int(pid_file.read_text())
        if _alive(pid):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout_s
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
            stopped = True
    shutil.rmtree(directory, ignore_errors=True)
    if stopped:
        log.info("kafka.down", name=name)
    return stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.localkafka", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["fetch", "up", "down", "status"])
    parser.add_argument("--name", default="default", help="instance name (separate ports and data)")
    parser.add_argument("--version", default=None,
                        help=f"Kafka version (env {env_name('kafka_version', DevSettings)}, default {KAFKA_VERSION})")
    args = parser.parse_args(argv)
    try:
        dev = build_settings(DevSettings, **({"kafka_version": args.version} if args.version else {}))
        if args.command == "fetch":
            sys.stdout.write(f"{fetch_jars(dev)}\n")
        elif args.command == "up":
            started = time.monotonic()
            handle = start(dev, args.name)
            sys.stderr.write(f"kafka {handle.version} ready in {time.monotonic() - started:.1f}s\n")
            sys.stdout.write(f"{handle.bootstrap}\n")
        elif args.command == "down":
            stop(dev, args.name)
        else:
            found = read_handle(dev, args.name)
            sys.stdout.write(f"{found.bootstrap} pid={found.pid} version={found.version}\n" if found else "down\n")
            return 0 if found else 1
    except AppError as err:
        sys.stderr.write(f"{error_line(err.code, err)}\n")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
