"""Test tiers: unit tests need nothing; tests marked `integration` get a real Kafka broker.

Broker selection: KAFKA_BOOTSTRAP_SERVERS (an existing cluster) → the local Apache Kafka broker from
Maven Central jars → a testcontainers apache/kafka broker when a Docker engine is reachable. If none can be
had the integration tests fail with the reason; they are never skipped silently.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import structlog

from app import localkafka
from app.exceptions import LocalKafkaError
from app.settings import DevSettings

DEV = DevSettings()  # the developer tooling's environment, read once for the session


@dataclass
class BrokerInfo:
    bootstrap: str
    origin: str
    produced: dict[str, int] = field(default_factory=dict)


_BROKER: BrokerInfo | None = None


def _docker_reachable() -> bool:
    return os.path.exists("/var/run/docker.sock") or bool(DEV.docker_host)


def _testcontainers_broker() -> tuple[str, object]:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs

    port = localkafka.free_port()
    container = (
        DockerContainer(f"apache/kafka:{DEV.kafka_version}")
        .with_bind_ports(9092, port)
        .with_env("KAFKA_NODE_ID", "1")
        .with_env("KAFKA_PROCESS_ROLES", "broker,controller")
        .with_env("KAFKA_LISTENERS", "PLAINTEXT://:9092,CONTROLLER://:9093")
        .with_env("KAFKA_ADVERTISED_LISTENERS", f"PLAINTEXT://127.0.0.1:{port}")
        .with_env("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
        .with_env("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9093")
        .with_env("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
        .with_env("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
        .with_env("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
        .with_env("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
    )
    container.start()
    wait_for_logs(container, "Kafka Server started", timeout=120)
    return f"127.0.0.1:{port}", container


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """Bootstrap address of a running Apache Kafka broker for the whole session."""
    global _BROKER
    external = DEV.external_bootstrap
    if external:
        _BROKER = BrokerInfo(external, "KAFKA_BOOTSTRAP_SERVERS")
        yield external
        return
    name = f"pytest-{os.getpid()}"
    try:
        handle = localkafka.start(DEV, name)
    except LocalKafkaError as local_error:
        if not _docker_reachable():
            pytest.fail(f"no Kafka broker for integration tests: {local_error}", pytrace=False)
        bootstrap, container = _testcontainers_broker()
        _BROKER = BrokerInfo(bootstrap, "testcontainers apache/kafka")
        yield bootstrap
        container.stop()  # type: ignore[attr-defined]  # testcontainers ships no stubs
        return
    _BROKER = BrokerInfo(handle.bootstrap, f"local Apache Kafka {handle.version} (pid {handle.pid})")
    try:
        yield handle.bootstrap
    finally:
        localkafka.stop(DEV, name)


@pytest.fixture(autouse=True)
def _fresh_structlog() -> Iterator[None]:
    """A CLI test may configure logging; the next test starts from structlog's defaults again."""
    yield
    structlog.reset_defaults()


@pytest.fixture
def unique_prefix(request: pytest.FixtureRequest) -> str:
    """A topic prefix per test, so tests sharing the broker never see each other's messages."""
    return f"t{abs(hash(request.node.nodeid)) % 10**8}-{os.getpid()}-"


def record_traffic(topic_kind: str, count: int) -> None:
    """Integration tests report what they really sent through the broker (shown in the summary)."""
    if _BROKER is not None:
        _BROKER.produced[topic_kind] = _BROKER.produced.get(topic_kind, 0) + count


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/integration/ is in the broker tier; nothing else may ask for a broker, so the
    unit tier (`make test-unit`) runs without one and without the Kafka jars."""
    for item in items:
        if "tests/integration/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.integration)
        elif "kafka_bootstrap" in getattr(item, "fixturenames", ()):
            raise pytest.UsageError(f"{item.nodeid} needs a broker: move it under tests/integration/")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _BROKER is None:
        return
    terminalreporter.section("kafka broker")
    terminalreporter.write_line(f"broker: {_BROKER.origin} at {_BROKER.bootstrap}")
    for kind, count in sorted(_BROKER.produced.items()):
        terminalreporter.write_line(f"  {kind}: {count} messages through the broker")
