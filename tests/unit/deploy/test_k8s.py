"""deploy/k8s: the manifests must be complete, consistent with each other, and free of secrets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"
DOCKERFILE = ROOT / "Dockerfile"
EXAMPLE_SUFFIX = ".example.yaml"  # documentation of an out-of-band object, never applied


def _docs(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _quantity(value: str | int) -> float:
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 1e3, "M": 1e6, "G": 1e9}
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(value))
    assert match, value
    return float(match[1]) * units[match[2]] if match[2] else float(match[1])


@pytest.fixture(scope="module")
def kustomization() -> dict:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text())


@pytest.fixture(scope="module")
def manifests() -> dict[str, list[dict]]:
    return {path.name: _docs(path) for path in sorted(K8S.glob("*.y*ml")) if path.name != "kustomization.yaml"}


def _one(manifests: dict[str, list[dict]], kind: str) -> dict:
    found = [doc for docs in manifests.values() for doc in docs if doc["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def namespace(manifests: dict) -> str:
    (doc,) = manifests["namespace.yaml"]
    assert doc["kind"] == "Namespace"
    return doc["metadata"]["name"]


@pytest.fixture(scope="module")
def statefulset(manifests: dict) -> dict:
    return _one(manifests, "StatefulSet")


@pytest.fixture(scope="module")
def worker(statefulset: dict) -> dict:
    (container,) = statefulset["spec"]["template"]["spec"]["containers"]
    return container


@pytest.fixture(scope="module")
def config(manifests: dict) -> dict[str, str]:
    return _one(manifests, "ConfigMap")["data"]


def _all_containers(manifests: dict) -> list[dict]:
    out = []
    for docs in manifests.values():
        for doc in docs:
            pod = doc.get("spec", {}).get("template", {}).get("spec", {})
            out += pod.get("initContainers", []) + pod.get("containers", [])
    return out


def test_kustomization_lists_every_manifest_and_only_existing_files(kustomization: dict) -> None:
    listed = kustomization["resources"]
    assert len(listed) == len(set(listed)), "duplicate resource"
    for name in listed:
        assert (K8S / name).is_file(), f"{name} is listed but missing"
    on_disk = {
        path.name for path in K8S.glob("*.y*ml")
        if path.name != "kustomization.yaml" and not path.name.endswith(EXAMPLE_SUFFIX)
    }
    assert set(listed) == on_disk
    assert {"namespace.yaml", "configmap.yaml", "statefulset.yaml", "service.yaml", "job-topics.yaml",
            "risk-service.yaml"} <= on_disk


def test_secret_example_is_never_applied(kustomization: dict) -> None:
    assert (K8S / "secret.example.yaml").is_file()
    assert not any(name.endswith(EXAMPLE_SUFFIX) for name in kustomization["resources"])


def test_every_manifest_is_in_the_namespace(manifests: dict, kustomization: dict, namespace: str) -> None:
    assert kustomization["namespace"] == namespace
    for name, docs in manifests.items():
        assert docs, f"{name} is empty"
        for doc in docs:
            if doc["kind"] != "Namespace":
                assert doc["metadata"].get("namespace") == namespace, f"{name}: {doc['kind']}"


def test_statefulset_state_volume_is_mounted_at_the_datadir(statefulset: dict, worker: dict) -> None:
    claims = {claim["metadata"]["name"]: claim for claim in statefulset["spec"]["volumeClaimTemplates"]}
    mounts = {mount["name"]: mount["mountPath"] for mount in worker["volumeMounts"] if mount["name"] in claims}
    assert len(mounts) == 1, "the worker must mount exactly one claim template"
    ((claim_name, mount_path),) = mounts.items()
    assert claims[claim_name]["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert _quantity(claims[claim_name]["spec"]["resources"]["requests"]["storage"]) >= 2**30

    args = worker["args"]
    datadir = args[args.index("--datadir") + 1]
    assert args[0] == "worker"
    assert datadir.startswith(mount_path.rstrip("/") + "/")
    env = {item["name"]: item for item in worker["env"]}
    assert env["FRAUDSTREAM_DATADIR"]["value"] == datadir


def test_datadir_is_per_pod(worker: dict) -> None:
    args = worker["args"]
    datadir = args[args.index("--datadir") + 1]
    variables = re.findall(r"\$\((\w+)\)", datadir)
    assert len(variables) == 1, "the datadir must be named after the pod"
    env = [item["name"] for item in worker["env"]]
    source = next(item for item in worker["env"] if item["name"] == variables[0])
    assert source["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    # Kubernetes only expands $(VAR) for variables defined earlier in the list.
    assert env.index(variables[0]) < env.index("FRAUDSTREAM_DATADIR")


PROBE_PATHS = {"livenessProbe": "/health", "startupProbe": "/health", "readinessProbe": "/ready"}


def test_probes_hit_health_and_ready_on_the_declared_web_port(worker: dict, config: dict[str, str]) -> None:
    ports = {port["name"]: port["containerPort"] for port in worker["ports"]}
    web_port = int(config["FRAUDSTREAM_WEB_PORT"])
    assert web_port in ports.values(), "FRAUDSTREAM_WEB_PORT is not a declared container port"
    for probe_name, path in PROBE_PATHS.items():
        probe = worker[probe_name]["httpGet"]
        assert probe["path"] == path, probe_name
        port = ports[probe["port"]] if isinstance(probe["port"], str) else probe["port"]
        assert port in ports.values(), f"{probe_name} port is not declared"
        assert port == web_port, f"{probe_name} does not hit the web port"


def test_service_is_headless_and_selects_the_workers(manifests: dict, statefulset: dict, worker: dict) -> None:
    (service,) = manifests["service.yaml"]
    assert service["spec"]["clusterIP"] == "None"
    assert statefulset["spec"]["serviceName"] == service["metadata"]["name"]
    pod_labels = statefulset["spec"]["template"]["metadata"]["labels"]
    selector = service["spec"]["selector"]
    assert selector.items() <= pod_labels.items()
    assert statefulset["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    declared = {port["name"] for port in worker["ports"]} | {port["containerPort"] for port in worker["ports"]}
    for port in service["spec"]["ports"]:
        assert port["targetPort"] in declared
    # The topics Job's pods must not be selected as workers.
    job_labels = _one(manifests, "Job")["spec"]["template"]["metadata"]["labels"]
    assert not selector.items() <= job_labels.items()


def test_job_creates_the_topics(manifests: dict) -> None:
    job = _one(manifests, "Job")
    pod = job["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container.get("command", []) + container["args"] == ["topics", "create"]
    assert pod["restartPolicy"] in {"OnFailure", "Never"}
    assert job["spec"]["backoffLimit"] >= 1


def test_config_and_secret_references_resolve(manifests: dict) -> None:
    configmap = _one(manifests, "ConfigMap")
    (secret,) = manifests["secret.example.yaml"]
    assert secret["kind"] == "Secret"
    secret_keys = set(secret.get("stringData", {})) | set(secret.get("data", {}))
    containers = _all_containers(manifests)
    assert containers
    for container in containers:
        refs = [source["configMapRef"]["name"] for source in container.get("envFrom", []) if "configMapRef" in source]
        assert refs == [configmap["metadata"]["name"]], container["name"]
        for item in container.get("env", []):
            ref = item.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                assert ref["name"] == secret["metadata"]["name"]
                assert ref["key"] in secret_keys
    assert configmap["data"]["KAFKA_BOOTSTRAP_SERVERS"]


def test_admin_token_is_never_a_literal(manifests: dict, worker: dict) -> None:
    assert not any("ADMIN_TOKEN" in key for key in _one(manifests, "ConfigMap")["data"])
    token = next(item for item in worker["env"] if item["name"] == "FRAUDSTREAM_ADMIN_TOKEN")
    assert "value" not in token
    assert token["valueFrom"]["secretKeyRef"]["key"] == "FRAUDSTREAM_ADMIN_TOKEN"
    for container in _all_containers(manifests):
        for item in container.get("env", []):
            if "TOKEN" in item["name"]:
                assert "value" not in item, f"{container['name']}: {item['name']} is a literal"
    (secret,) = manifests["secret.example.yaml"]
    assert "data" not in secret, "base64 data would hide a real value"
    assert set(secret["stringData"].values()) == {""}, "the example must stay a placeholder"


def test_replicas_do_not_exceed_partitions(statefulset: dict, config: dict[str, str]) -> None:
    assert 2 <= statefulset["spec"]["replicas"] <= int(config["FRAUDSTREAM_PARTITIONS"])


def test_worker_resources_and_graceful_shutdown(statefulset: dict, worker: dict) -> None:
    resources = worker["resources"]
    for kind in ("cpu", "memory"):
        request, limit = _quantity(resources["requests"][kind]), _quantity(resources["limits"][kind])
        assert 0 < request <= limit, kind
    assert _quantity(resources["requests"]["memory"]) >= 256 * 2**20
    pod = statefulset["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] >= 60


def test_workers_prefer_different_nodes(statefulset: dict) -> None:
    pod = statefulset["spec"]["template"]["spec"]
    terms = pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    pod_labels = statefulset["spec"]["template"]["metadata"]["labels"]
    assert any(
        term["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
        and term["podAffinityTerm"]["labelSelector"]["matchLabels"].items() <= pod_labels.items()
        for term in terms
    )


def test_pods_run_as_the_image_user(manifests: dict) -> None:
    uid = int(re.search(r"^USER\s+(\d+)", DOCKERFILE.read_text(), re.MULTILINE)[1])
    for docs in manifests.values():
        for doc in docs:
            pod = doc.get("spec", {}).get("template", {}).get("spec")
            if pod:
                assert pod["securityContext"]["runAsNonRoot"] is True
                assert pod["securityContext"]["runAsUser"] == uid


def test_every_app_container_uses_the_kustomized_image(manifests: dict, kustomization: dict) -> None:
    names = {image["name"] for image in kustomization["images"]}
    for container in _all_containers(manifests):
        assert container["image"].split(":")[0] in names, container["name"]


def test_prometheus_scrapes_the_web_port(statefulset: dict, config: dict[str, str]) -> None:
    annotations = statefulset["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] == "/metrics"
    assert int(annotations["prometheus.io/port"]) == int(config["FRAUDSTREAM_WEB_PORT"])
