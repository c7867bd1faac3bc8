"""`fraudstream rules calibrate` and `fraudstream policy calibrate` on a small pipeline history."""

from __future__ import annotations

import re

import pytest
import yaml
from typer.testing import CliRunner

from app.cli import cli
from app.model_history import shipped_sources
from app.settings import Settings
from modelplatform.history import record_simulation
from risk.policy import load_policy
from sim.config import SimConfig

RUNNER = CliRunner()


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    root = tmp_path_factory.mktemp("calibration") / "history"
    record_simulation(SimConfig(seed=4, customers=200, days=3, fraud_rate=0.03), root,
                      sources=shipped_sources(Settings()))
    return root


def test_rules_calibrate_prints_the_rule_table_and_friction_and_writes_a_proposal(history, tmp_path):
    out = tmp_path / "proposal.yaml"
    result = RUNNER.invoke(cli, ["rules", "calibrate", "--history", str(history), "--no-params", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "rules: measured on genuine and fraud" in result.output  # the per-rule table
    assert "declared" in result.output and "proposed" in result.output  # friction before and after
    doc = yaml.safe_load(out.read_text())
    assert doc["budgets"][0]["scope"] == "" and isinstance(doc["rules"], dict)
    assert all(v.get("mode") == "shadow" or v.get("action") in ("CHALLENGE", "REVIEW", "BLOCK")
               for v in doc["rules"].values())


def test_policy_calibrate_writes_a_policy_that_loads_with_its_budget(history, tmp_path):
    out = tmp_path / "policy.yaml"
    result = RUNNER.invoke(cli, ["policy", "calibrate", "--history", str(history), "--last-days", "3",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "thresholds (challenge / review / block)" in result.output and "proposed" in result.output
    policy = load_policy(out)
    assert policy.budgets and all(t.challenge <= t.review <= t.block for t in policy.thresholds)


def test_calibrate_refuses_a_folder_that_is_not_a_history(tmp_path):
    result = RUNNER.invoke(cli, ["rules", "calibrate", "--history", str(tmp_path)])
    assert result.exit_code != 0
    assert "not a history directory" in str(result.exception) or "not a history directory" in result.output


def test_policy_calibrate_pools_repeated_histories(history):
    once = RUNNER.invoke(cli, ["policy", "calibrate", "--history", str(history)])
    twice = RUNNER.invoke(cli, ["policy", "calibrate", "--history", str(history), "--history", str(history)],
                          env={"COLUMNS": "200"})
    assert once.exit_code == twice.exit_code == 0, twice.output
    count = re.search(r"([\d,]+) transactions", once.output)
    assert count and f"{int(count[1].replace(',', '')) * 2:,} transactions" in twice.output
    assert "now, 1: history" in twice.output and "proposed, 2: history" in twice.output  # each history's friction
