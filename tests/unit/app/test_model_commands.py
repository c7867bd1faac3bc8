"""`fraudstream model train/publish` on the policy that goes with a model (no broker needed here)."""

from __future__ import annotations

import json
import re
import warnings

import pytest
from typer.testing import CliRunner

from app.commands.model import cli
from app.model_history import shipped_sources
from app.settings import Settings
from app.train_options import TrainFlags, resolve
from bench.foreign import write_foreign
from modelplatform.history import HistoryPaths, record_simulation
from risk.policy import parse_policy
from sim.config import SimConfig

SHIPPED = shipped_sources(Settings())

RUNNER = CliRunner()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A model trained through the CLI on a small pipeline history, with its policy next to it."""
    root = tmp_path_factory.mktemp("cli")
    record_simulation(SimConfig(seed=2, customers=400, days=10, fraud_rate=0.03), root / "history", sources=SHIPPED)
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


@pytest.fixture(scope="module")
def foreign_history(tmp_path_factory):
    """`model history --input` on a bank-shaped export (integer ids, naive times, labels 7 days late)."""
    root = tmp_path_factory.mktemp("foreign")
    files = write_foreign(root / "export", cards=50, days=14, fraud_cards=0.3)
    result = RUNNER.invoke(cli, ["history", "--input", str(files.transactions), "--mapping", str(files.mapping),
                                 "--labels", str(files.labels), "--out", str(root / "history")])
    assert result.exit_code == 0, result.output
    return root, files


def test_history_from_a_file_names_the_file_not_a_seed(foreign_history):
    root, files = foreign_history
    meta = HistoryPaths(root / "history").read_meta()
    assert meta.transactions == meta.decisions == files.rows and meta.fraud_labels == files.frauds
    assert meta.seed is None and str(files.transactions) in meta.source and str(files.labels) in meta.source


def test_history_simulates_the_card_world_on_request(tmp_path):
    result = RUNNER.invoke(cli, ["history", "--world", "cards", "--customers", "40", "--days", "1", "--seed", "3",
                                 "--out", str(tmp_path / "h")])
    assert result.exit_code == 0, result.output
    assert "world=cards" in HistoryPaths(tmp_path / "h").read_meta().source
    first = json.loads((tmp_path / "h" / "decisions.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first["features"]["tx.counterparty_kind"] == "merchant" and first["account_id"].isdigit()  # a card number


def test_history_dry_run_maps_without_recording(foreign_history, tmp_path):
    _, files = foreign_history
    result = RUNNER.invoke(cli, ["history", "--input", str(files.transactions), "--mapping", str(files.mapping),
                                 "--dry-run", "--out", str(tmp_path / "h")])
    assert result.exit_code == 0 and f"{files.rows} rows read, 0 rejected" in result.output
    assert not (tmp_path / "h").exists()


def test_training_on_it_warns_nothing_and_the_card_names_the_input_in_iso_times(foreign_history):
    root, files = foreign_history
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = RUNNER.invoke(cli, ["train", "--history", str(root / "history"), "--version", "f1", "--root",
                                     str(root / "models"), "--eval-days", "4", "--trees", "20", "--folds", "2"])
    assert result.exit_code == 0, result.output
    card = json.loads((root / "models" / "fraud-lgbm" / "f1" / "card.json").read_text())
    notes = " ".join(card["notes"])
    assert str(files.transactions) in notes and "seed" not in notes
    assert re.search(r"from 2025-03-\d\dT\d\d:\d\d:\d\dZ before 2025-03-\d\dT", notes)
    assert not re.search(r"\b1\d{12}\b", notes)  # no epoch ms anywhere in the notes


def test_explicit_flags_win_over_the_settings_file_and_each_conflict_is_reported(foreign_history, tmp_path):
    root, _ = foreign_history
    selection = tmp_path / "selection.json"
    selection.write_text(json.dumps({"settings": {"num_trees": 300, "warmup_days": 2.0, "gap_days": 0.0}}))
    result = RUNNER.invoke(cli, ["train", "--history", str(root / "history"), "--version", "f2", "--root",
                                 str(root / "models"), "--eval-days", "4", "--trees", "15", "--warmup-days", "0",
                                 "--folds", "2", "--settings", str(selection), "--train-from", "2025-03-01"])
    assert result.exit_code == 0, result.output
    assert "--trees 15 wins over 300" in result.output and "--warmup-days 0 wins over 2" in result.output
    assert "--label-delay-days" not in result.output  # not given: the file's value stands, no conflict
    artifact = json.loads((root / "models" / "fraud-lgbm" / "f2" / "artifact.json").read_text())
    assert artifact["payload"].count("\nTree=") == 15  # LightGBM's model text: one block per boosting round


def test_an_impossible_training_window_is_one_line(foreign_history):
    root, _ = foreign_history
    result = RUNNER.invoke(cli, ["train", "--history", str(root / "history"), "--version", "f3", "--root",
                                 str(root / "models"), "--eval-days", "4", "--train-to", "2030-01-01"])
    assert result.exit_code == 2 and "--train-to" in result.output and "after the last trainable time" in result.output


def test_resolve_prefers_flags_and_keeps_the_files_values_otherwise():
    text = json.dumps({"settings": {"num_trees": 300, "warmup_days": 2.0, "gap_days": 1.5}})
    knobs = resolve(TrainFlags(trees=50), text, "sel.json")
    assert (knobs.params.num_trees, knobs.warmup_days, knobs.label_delay_days) == (50, 2.0, 1.5)
    assert knobs.conflicts == ("--trees 50 wins over 300 from sel.json",)
    assert resolve(TrainFlags(trees=300), text).conflicts == ()  # same value: nothing to report
    assert resolve(TrainFlags(label_delay_days=3), None).label_delay_days == 3


def test_evaluate_and_registry_are_verbs_of_the_one_model_cli(foreign_history):
    root, _ = foreign_history
    result = RUNNER.invoke(cli, ["evaluate", "--history", str(root / "history"), "--version", "f1", "--root",
                                 str(root / "models"), "--eval-days", "4", "--json"])
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.output)) == {"model", "baseline", "rules", "combined"}
    listed = RUNNER.invoke(cli, ["registry", "--root", str(root / "models")])
    assert listed.exit_code == 0 and "f1" in listed.output and "lgbm" in listed.output
