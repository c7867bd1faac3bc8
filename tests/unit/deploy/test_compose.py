"""deploy/docker-compose.yml: the local stack must wire Kafka, topic creation and the workers correctly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from app.settings import KAFKA_VERSION as DEFAULT_VERSION

ROOT = Path(__file__).resolve().parents[3]
COMPOSE_FILE = ROOT / "deploy" / "docker-compose.yml"
LISTENER = re.compile(r"^(?P<name>[A-Za-z0-9_]+)://(?P<host>[^:]*):(?P<port>\d+)$")


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def _listeners(value: str) -> dict[str, tuple[str, int]]:
    out = {}
    for item in value.split(","):
        match = LISTENER.match(item.strip())
        assert match, f"unparseable listener {item!r}"
        out[match["name"]] = (match["host"], int(match["port"]))
    return out


def _volume_mounts(service: dict) -> dict[str, str]:
    """Named volume -> container path (short syntax 'name:/path' or long syntax)."""
    mounts = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
        else:
            source, target = volume["source"], volume["target"]
        mounts[source] = target
    return mounts


def _published(service: dict) -> dict[int, int]:
    """container port -> host port."""
    out = {}
    for port in service.get("ports", []):
        parts = str(port).split(":")
        out[int(parts[-1])] = int(parts[-2])
    return out


def _datadir(service: dict) -> str:
    command = service["command"]
    assert isinstance(command, list), "use exec form for the command"
    return command[command.index("--datadir") + 1]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict) -> dict[str, dict]:
    return compose["services"]


@pytest.fixture(scope="module")
def kafka_env(services: dict) -> dict[str, str]:
    return _env(services["kafka"])


@pytest.fixture(scope="module")
def app_services(services: dict) -> dict[str, dict]:
    """Every service that runs the fraudstream image (built from the repository's Dockerfile)."""
    found = {name: svc for name, svc in services.items() if "build" in svc}
    assert {"topics", "worker-1", "worker-2"} <= set(found)
    return found


@pytest.fixture(scope="module")
def workers(services: dict) -> dict[str, dict]:
    found = {name: svc for name, svc in services.items() if name.startswith("worker-")}
    assert set(found) == {"worker-1", "worker-2"}
    return found


def test_kafka_image_is_pinned_to_the_tested_version(services: dict) -> None:
    assert services["kafka"]["image"] == f"apache/kafka:{DEFAULT_VERSION}"


def test_kafka_runs_kraft_single_node_combined(kafka_env: dict[str, str]) -> None:
    assert set(kafka_env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    node_id = kafka_env["KAFKA_NODE_ID"]
    listeners = _listeners(kafka_env["KAFKA_LISTENERS"])
    controller = kafka_env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    assert controller in listeners
    voters = kafka_env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")
    assert len(voters) == 1
    voter_id, voter_address = voters[0].split("@")
    assert voter_id == node_id
    assert int(voter_address.rsplit(":", 1)[1]) == listeners[controller][1]
    assert "CLUSTER_ID" in kafka_env  # stable id: a persisted volume is reused across restarts


def test_single_broker_uses_replication_factor_one(kafka_env: dict[str, str]) -> None:
    for key in (
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
    ):
        assert kafka_env[key] == "1", key


def test_listeners_are_consistent(services: dict, kafka_env: dict[str, str]) -> None:
    listeners = _listeners(kafka_env["KAFKA_LISTENERS"])
    advertised = _listeners(kafka_env["KAFKA_ADVERTISED_LISTENERS"])
    protocols = dict(item.split(":") for item in kafka_env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    assert set(listeners) <= set(protocols)
    assert kafka_env["KAFKA_INTER_BROKER_LISTENER_NAME"] in advertised
    assert kafka_env["KAFKA_CONTROLLER_LISTENER_NAMES"] not in advertised
    for name, (_, port) in advertised.items():
        assert listeners[name][1] == port, f"advertised {name} port differs from its listener"
    # One listener is advertised on the host's loopback and published there on the same port.
    host_side = [(name, port) for name, (host, port) in advertised.items() if host in {"localhost", "127.0.0.1"}]
    assert len(host_side) == 1
    _, host_port = host_side[0]
    assert _published(services["kafka"]).get(host_port) == host_port


def test_app_containers_use_the_internal_listener(services: dict, app_services: dict,
                                                  kafka_env: dict[str, str]) -> None:
    listeners = _listeners(kafka_env["KAFKA_LISTENERS"])
    advertised = _listeners(kafka_env["KAFKA_ADVERTISED_LISTENERS"])
    kafka_names = {"kafka", services["kafka"].get("hostname", "kafka")}
    for name, service in app_services.items():
        host, port = _env(service)["KAFKA_BOOTSTRAP_SERVERS"].rsplit(":", 1)
        assert host in kafka_names, name
        matching = [listener for listener, (_, p) in listeners.items() if p == int(port)]
        assert matching, f"{name}: port {port} is not declared in KAFKA_LISTENERS"
        (listener,) = matching
        assert listener != kafka_env["KAFKA_CONTROLLER_LISTENER_NAMES"]
        # The broker must hand containers back an address they can resolve.
        assert advertised[listener][0] in kafka_names, f"{listener} is not advertised as the kafka service"


def test_kafka_healthcheck_queries_a_declared_listener(services: dict, kafka_env: dict[str, str]) -> None:
    test = services["kafka"]["healthcheck"]["test"]
    command = " ".join(test[1:]) if isinstance(test, list) else test
    assert "/opt/kafka/bin/kafka-topics.sh" in command
    assert "--list" in command
    port = int(re.search(r"--bootstrap-server\s+\S+:(\d+)", command)[1])
    assert port in {p for _, p in _listeners(kafka_env["KAFKA_LISTENERS"]).values()}


def test_topics_run_once_after_kafka_is_healthy(services: dict) -> None:
    topics = services["topics"]
    assert topics["command"] == ["topics", "create"]
    assert topics["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert str(topics.get("restart", "no")) == "no"


def test_workers_wait_for_kafka_and_topics(workers: dict) -> None:
    for name, worker in workers.items():
        depends = worker["depends_on"]
        assert depends["kafka"]["condition"] == "service_healthy", name
        assert depends["topics"]["condition"] == "service_completed_successfully", name
        assert worker["command"][0] == "worker", name


def test_workers_have_distinct_datadirs_on_distinct_named_volumes(compose: dict, workers: dict) -> None:
    datadirs, volumes = set(), set()
    for name, worker in workers.items():
        datadir = _datadir(worker)
        assert _env(worker)["FRAUDSTREAM_DATADIR"] == datadir, name
        mounts = _volume_mounts(worker)
        holding = [vol for vol, target in mounts.items() if datadir.startswith(target.rstrip("/") + "/")]
        assert len(holding) == 1, f"{name}: datadir {datadir} is not on a named volume"
        assert holding[0] in compose["volumes"], f"{name}: volume {holding[0]} is not declared"
        datadirs.add(datadir)
        volumes.add(holding[0])
    assert len(datadirs) == len(workers)
    assert len(volumes) == len(workers)


def test_workers_have_distinct_published_web_ports(workers: dict) -> None:
    ports, host_ports = set(), set()
    for name, worker in workers.items():
        port = int(_env(worker)["FRAUDSTREAM_WEB_PORT"])
        published = _published(worker)
        assert port in published, f"{name}: web port {port} is not published"
        ports.add(port)
        host_ports.add(published[port])
        assert "/health" in " ".join(worker["healthcheck"]["test"]), name
    assert len(ports) == len(workers)
    assert len(host_ports) == len(workers)


def test_app_services_build_the_repository_dockerfile(app_services: dict) -> None:
    for name, service in app_services.items():
        build = service["build"]
        context = (COMPOSE_FILE.parent / build["context"]).resolve()
        assert (context / build.get("dockerfile", "Dockerfile")).is_file(), name


def test_admin_token_is_never_a_literal(app_services: dict) -> None:
    required = re.compile(r"^\$\{FRAUDSTREAM_ADMIN_TOKEN:\?[^}]+\}$")
    for name, service in app_services.items():
        assert required.match(_env(service)["FRAUDSTREAM_ADMIN_TOKEN"]), name
    # No other spelling of the token anywhere in the file (e.g. a default via ':-').
    text = COMPOSE_FILE.read_text()
    for line in text.splitlines():
        if "FRAUDSTREAM_ADMIN_TOKEN" in line and not line.lstrip().startswith("#"):
            value = line.split(":", 1)[1].strip()
            assert required.match(value), line
