"""deploy/grafana: every metric a dashboard queries is one the worker really exposes, with those labels."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from agents.handlers import Counters
from app.metrics import FAMILIES, WorkerMetrics
from app.offsets import PartitionOffsets
from service.decide.metrics import ServiceMetrics

ROOT = Path(__file__).resolve().parents[3]
DASHBOARDS = sorted((ROOT / "deploy" / "grafana").glob("*.json"))
METRIC = re.compile(r"\b(fraudstream_[a-z0-9_]+)")
BY = re.compile(r"\bby\s*\(([^)]*)\)")


def _exposed() -> dict[str, set[str]]:
    """Sample names on a worker's and the service's /metrics with every family populated, with their labels."""
    counters = Counters()
    for family in FAMILIES:
        counters.add(family.prefix + ".".join("x" for _ in family.labels))
    metrics = WorkerMetrics(counters, lambda: {"ruleset": "r"}, lambda: [PartitionOffsets("t", 0, 1, 1, 1)],
                            lambda: True)
    counters.observe_ms("end_to_end", 1.0)
    counters.observe_ms("stage.device", 1.0)
    service = ServiceMetrics()
    service.latency.labels("mobile", "decided").observe(0.01)
    service.answers.labels("mobile", "decided").inc()
    service.fallbacks.labels("mobile", "ALLOW").inc()
    service.rejected.labels("wrong_type").inc()
    names: dict[str, set[str]] = {}
    for body in (metrics.render(), service.render()):
        for family in text_string_to_metric_families(body.decode()):
            for sample in family.samples:
                names.setdefault(sample.name, set()).update(sample.labels)
    return names


def _exprs(path: Path) -> list[str]:
    dashboard = json.loads(path.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def test_there_are_worker_and_service_dashboards():
    assert {"fraudstream-workers.json", "fraudstream-service.json"} <= {path.name for path in DASHBOARDS}


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_queried_metric_and_label_exists(path: Path):
    exposed = _exposed()
    exprs = _exprs(path)
    assert exprs
    for expr in exprs:
        names = METRIC.findall(expr)
        assert names, expr
        for name in names:
            assert name in exposed, f"{path.name}: {name} is not exposed ({expr})"
            for clause in BY.findall(expr):
                labels = {label.strip() for label in clause.split(",")} - {"le"}
                assert labels <= exposed[name], f"{path.name}: {name} has no label {labels - exposed[name]}"


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_panels_have_unique_ids_and_a_templated_datasource(path: Path):
    dashboard = json.loads(path.read_text())
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert all(panel["datasource"]["uid"] == "${DS_PROMETHEUS}" for panel in dashboard["panels"])
