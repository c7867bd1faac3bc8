"""`fraudstream model train/publish` on the policy that goes with a model (no broker needed here)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from app.commands.model import cli
from app.model_history import shipped_sources
from app.settings import Settings
from modelplatform.history import record_simulation
from risk.policy import parse_policy
from sim.config import SimConfig

SHIPPED = shipped_sources(Settings())

RUNNER = CliRunner()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A model trained through the CLI on a small pipeline history, with its policy next to it."""
    root = tmp_path_factory.mktemp("cli")
    record_simulation(SimConfig(seed=2, customers=400, days=10, fraud_rate=0.03, sources=SHIPPED), root / "history")
    result = RUNNER.invoke(cli, ["train", "--history", str(root / "history"), "--version", "c1", "--root",
                                 str(root / "models"), "--eval-days", "3", "--trees", "20", "--folds", "2"])
    assert result.exit_code == 0, result.output
    return root / "models" / "fraud-lgbm" / "c1"


def test_train_writes_the_policy_with_the_fitted_combiner_next_to_the_model(trained):
    policy = parse_policy((trained / "policy.yaml").read_text())
    assert (trained / "artifact.json").exists()
    assert policy.combiner is not None and "2-fold out-of-fold" in policy.combiner.fitted_on
    assert policy.version.endswith("+fraud-lgbm:c1")


def test_publish_refuses_a_bad_policy_before_touching_kafka(trained, tmp_path, monkeypatch):
    monkeypatch.setenv("FRAUDSTREAM_ADMIN_TOKEN", "t" * 32)
    bad = tmp_path / "policy.yaml"
    bad.write_text("version: x\nthresholds: []\n")
    result = RUNNER.invoke(cli, ["publish", str(trained / "artifact.json"), "--policy", str(bad),
                                 "--bootstrap", "127.0.0.1:1"])
    assert result.exit_code == 1
    assert "nothing was published" in result.output and "root thresholds" in result.output
