"""Models go live through the control topic, without a restart: champion on (with the policy whose combiner
was fitted for it), challenger in shadow, champion rolled back to none, each switch visible on the very next
decisions of a running worker."""

from __future__ import annotations

import asyncio
import itertools
import threading

import orjson
import pytest
from typer.testing import CliRunner

from app.commands.model import cli
from app.model_history import shipped_sources
from app.settings import Settings
from modelplatform.dataset import build_set, parse_decision, parse_label
from modelplatform.features import model_features
from modelplatform.history import HistoryPaths, record_simulation
from modelplatform.quality import policy_with_combiner, policy_yaml
from modelplatform.records import read_jsonl
from modelplatform.train import LgbmParams, train_lgbm, train_logistic
from risk.model.artifact_io import write_artifact
from risk.policy import Combiner, combine, parse_policy
from sim.config import SimConfig
from tests.conftest import record_traffic
from tests.integration.harness import ADMIN_TOKEN, WorkerProcess, consume, produce, values
from tests.integration.traffic import encode, transaction

SHIPPED = shipped_sources(Settings())

RUNNER = CliRunner()


def _artifacts(tmp_path):
    """A small champion (LightGBM) and challenger (logistic) trained on a 3-day pipeline history."""
    root = tmp_path / "history"
    record_simulation(SimConfig(seed=2, customers=200, days=3, fraud_rate=0.05), root, sources=SHIPPED)
    paths = HistoryPaths(root)
    ds = build_set([parse_decision(r) for r in read_jsonl(paths.decisions)],
                   [parse_label(r) for r in read_jsonl(paths.labels)],
                   start_ms=0, end_ms=2**62, cutoff_ms=2**62)
    champion = train_lgbm(ds, name="it-lgbm", version="1", feature_names=model_features(),
                          params=LgbmParams(num_trees=10, num_leaves=7))
    challenger = train_logistic(ds, name="it-logit", version="1",
                                feature_names=model_features(include_categoricals=False))
    return (write_artifact(champion, tmp_path / "champion.json"), champion.key,
            write_artifact(challenger, tmp_path / "challenger.json"), challenger.key)


def _stacked_policy(tmp_path, model_key):
    """The shipped policy with a logistic combiner, as `model train` writes it next to a model."""
    shipped = parse_policy(Settings().policy_path.read_text())
    policy = policy_with_combiner(shipped, Combiner(intercept=-3.0, rule_coef=2.5, model_coef=1.2), model_key)
    path = tmp_path / "policy.yaml"
    path.write_text(policy_yaml(policy))
    return path, policy


def _cli(*args: str) -> str:
    result = RUNNER.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _runs(items):
    return [key for key, _ in itertools.groupby(items)]


def test_champion_challenger_and_rollback_switch_a_running_worker(engine, kafka_bootstrap, unique_prefix, tmp_path,
                                                                  monkeypatch):
    monkeypatch.setenv("FRAUDSTREAM_ADMIN_TOKEN", ADMIN_TOKEN)
    champion_path, champion_key, challenger_path, challenger_key = _artifacts(tmp_path)
    policy_path, policy = _stacked_policy(tmp_path, champion_key)
    target = ["--bootstrap", kafka_bootstrap, "--topic-prefix", unique_prefix]
    worker = WorkerProcess("w1", kafka_bootstrap, unique_prefix, tmp_path, partitions=1, engine=engine).start()
    topic = f"{unique_prefix}risk-decisions"
    docs = [transaction(i, accounts=30) for i in range(1200)]
    sender = threading.Thread(target=lambda: asyncio.run(produce(
        kafka_bootstrap, f"{unique_prefix}transactions", [encode(d) for d in docs], delay_s=0.015)))

    def wait_for(predicate, timeout_s=40.0):
        return values(asyncio.run(consume(kafka_bootstrap, topic, lambda r: any(
            predicate(orjson.loads(x.value)) for x in r[-30:]), timeout_s=timeout_s)))

    try:
        worker.wait_healthy()
        sender.start()
        wait_for(lambda d: True)
        _cli("publish", str(champion_path), "--role", "champion", "--author", "it", "--policy", str(policy_path),
             *target)
        wait_for(lambda d: d["model_version"] == champion_key)
        _cli("publish", str(challenger_path), "--role", "challenger", "--author", "it", *target)
        wait_for(lambda d: d["challenger_version"] == challenger_key)
        _cli("rollback", "--role", "champion", "--to", "none", *target)
        wait_for(lambda d: d["model_version"] is None and d["challenger_version"] == challenger_key)
        listing = _cli("list", *target)
        sender.join()
        decided = values(asyncio.run(consume(kafka_bootstrap, topic, lambda r: len(r) >= len(docs), timeout_s=60)))
    finally:
        worker.stop()
    record_traffic("decisions consumed", len(decided))
    assert len(decided) == len(docs)
    # one partition: topic order is processing order, so each switch shows as one change of run
    assert _runs(d["model_version"] for d in decided) == [None, champion_key, None]
    assert _runs(d["challenger_version"] for d in decided) == [None, challenger_key]
    for d in decided:
        assert (d["model_score"] is None) == (d["model_version"] is None)
        assert (d["challenger_score"] is None) == (d["challenger_version"] is None)
    # with the champion, the score the thresholds act on is the published policy's combiner
    stacked = [d for d in decided if d["model_version"] == champion_key]
    assert stacked
    for d in stacked:
        assert d["score"] == pytest.approx(combine(policy, d["rule_score"], d["model_score"]), abs=2e-5)
    assert "it-lgbm:1" in listing and "it-logit:1" in listing and "none" in listing


@pytest.mark.parametrize("role", ["champion", "challenger"])
def test_publish_refuses_a_tampered_artifact_before_touching_kafka(tmp_path, role, monkeypatch):
    monkeypatch.setenv("FRAUDSTREAM_ADMIN_TOKEN", ADMIN_TOKEN)
    bad = tmp_path / "bad.json"
    bad.write_text('{"manifest": {}, "payload": ""}')
    result = RUNNER.invoke(cli, ["publish", str(bad), "--role", role, "--bootstrap", "127.0.0.1:1"])
    assert result.exit_code == 1
    assert "nothing was published" in result.output
