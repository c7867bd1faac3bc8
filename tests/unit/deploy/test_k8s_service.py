"""deploy/k8s/risk-service.yaml: the risk service's Deployment and Service agree with the app they run (its
routes, its command, its settings) and with the other manifests (config map, secret, image)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from app.cli import cli
from app.settings import Settings, env_name

K8S = Path(__file__).resolve().parents[3] / "deploy" / "k8s"
SETTINGS_ENV = {env_name(name) for name in Settings.model_fields}
POD_ENV = {"POD_NAME"}  # set from the downward API, read by the manifests themselves


def _docs(name: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all((K8S / name).read_text()) if doc]


@pytest.fixture(scope="module")
def deployment() -> dict:
    (found,) = [doc for doc in _docs("risk-service.yaml") if doc["kind"] == "Deployment"]
    return found


@pytest.fixture(scope="module")
def container(deployment: dict) -> dict:
    (found,) = deployment["spec"]["template"]["spec"]["containers"]
    return found


def _env(container: dict) -> dict[str, dict]:
    return {item["name"]: item for item in container.get("env", [])}


def test_the_container_runs_the_service_command(container: dict) -> None:
    assert container["args"] == ["service", "run"]
    result = CliRunner().invoke(cli, [*container["args"], "--help"])
    assert result.exit_code == 0, result.output


def test_probes_hit_the_apps_health_and_ready_routes_on_the_service_port(container: dict) -> None:
    from service.app import build

    routes = {route.path for route in build(Settings()).routes if "GET" in getattr(route, "methods", set())}
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    service_port = int(_env(container)["FRAUDSTREAM_SERVICE_PORT"]["value"])
    assert _env(container)["FRAUDSTREAM_SERVICE_HOST"]["value"] == "0.0.0.0"  # the kubelet must reach it
    for probe, path in {"livenessProbe": "/health", "startupProbe": "/health", "readinessProbe": "/ready"}.items():
        get = container[probe]["httpGet"]
        assert get["path"] == path and path in routes, probe
        assert ports[get["port"]] == service_port, f"{probe} misses FRAUDSTREAM_SERVICE_PORT"


def test_every_environment_name_is_a_setting() -> None:
    """A misspelt variable is silently ignored by pydantic-settings: every name the manifests set must be one
    Settings reads (or one the manifests themselves use)."""
    (configmap,) = _docs("configmap.yaml")
    names = set(configmap["data"])
    for name in ("risk-service.yaml", "statefulset.yaml", "job-topics.yaml"):
        for doc in _docs(name):
            pod = doc.get("spec", {}).get("template", {}).get("spec", {})
            for item in pod.get("initContainers", []) + pod.get("containers", []):
                names |= set(_env(item))
    unknown = names - SETTINGS_ENV - POD_ENV
    assert not unknown, f"not settings: {sorted(unknown)}"


def test_store_url_and_admin_token_come_from_the_secret(container: dict) -> None:
    (secret,) = _docs("secret.example.yaml")
    for name in ("FRAUDSTREAM_STORE_URL", "FRAUDSTREAM_ADMIN_TOKEN"):
        item = _env(container)[name]
        assert "value" not in item, f"{name} is a literal"
        ref = item["valueFrom"]["secretKeyRef"]
        assert ref["name"] == secret["metadata"]["name"] and ref["key"] == name
        assert secret["stringData"][name] == ""
    assert [source["configMapRef"]["name"] for source in container["envFrom"]] == ["fraudstream-config"]


def test_the_service_balances_over_the_service_pods_only(deployment: dict, container: dict) -> None:
    (service,) = [doc for doc in _docs("risk-service.yaml") if doc["kind"] == "Service"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"].get("clusterIP") != "None", "requests are load-balanced, not addressed per pod"
    (target,) = [port["targetPort"] for port in service["spec"]["ports"]]
    assert target in {port["name"] for port in container["ports"]}
    (workers,) = _docs("service.yaml")
    assert not workers["spec"]["selector"].items() <= labels.items(), "the workers' service selects the API"
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert int(annotations["prometheus.io/port"]) == container["ports"][0]["containerPort"]


def test_several_replicas_and_bounded_resources(deployment: dict, container: dict) -> None:
    assert deployment["spec"]["replicas"] >= 2, "one replica is a single point of failure for every payment"
    assert container["resources"]["requests"] and container["resources"]["limits"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
