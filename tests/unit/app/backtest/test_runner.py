"""The backtest end to end on a small simulated world: same decisions as LocalPipeline, deterministic
reports, a chart, and the CLI."""

from __future__ import annotations

import asyncio
import json

import orjson
import pytest
from typer.testing import CliRunner

from agents.local import LocalPipeline
from app.backtest import build_report, decide_all, from_file, from_simulation, run_backtest, strategies, strategy_source
from app.backtest.chart import plot_backtest
from app.backtest.exceptions import BacktestError
from app.backtest.history import History
from app.commands.backtest import cli
from app.settings import Settings
from sim.config import SimConfig
from sim.engine import simulate
from sim.io import write_jsonl

CONFIG = SimConfig(seed=3, customers=120, days=2, fraud_rate=0.05)


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="module")
def history() -> History:
    return from_simulation(CONFIG)


def _pair(settings: Settings, path=None):
    text = strategies.from_file(path or settings.ruleset_path)
    return text, strategy_source(text, settings)


def _without_timings(decision: dict) -> dict:
    """Stage timings are wall-clock measurements; everything else must match exactly."""
    return {k: v for k, v in decision.items() if k != "timings_ms"}


def test_backtest_decisions_equal_the_encoded_pipeline_fed_the_same_records(settings, history):
    ruleset, source = _pair(settings)
    ours = asyncio.run(decide_all(source, history))
    topics = {"transaction": "transactions", "account_event": "account-events", "label": "fraud-labels"}

    reference = LocalPipeline(strategy_source(ruleset, settings), in_process=False).run(  # encoded as engines do
        [(topics[r.kind], r.key.encode(), orjson.dumps(r.value)) for r in simulate(CONFIG)]).decisions
    assert len(ours) == history.count_transactions() > 100
    assert [_without_timings(d) for d in ours] == [_without_timings(d) for d in reference]


def test_two_backtests_of_the_same_input_give_identical_reports(settings, history):
    def report() -> str:
        result = asyncio.run(run_backtest(history, _pair(settings), _pair(settings)))
        return json.dumps(build_report(result), sort_keys=True)

    first, second = report(), report()
    assert first == second
    doc = json.loads(first)
    assert doc["candidate"]["overall"]["frauds"] > 0 and doc["diff"]["actions"]["changed"] == 0


def test_a_changed_ruleset_shows_in_hit_deltas_and_action_changes(settings, history, tmp_path):
    source = settings.ruleset_path.read_text()
    # The candidate moves a takeover rule to shadow: it still records hits, but no longer acts on them.
    code = "reason_code: TRANSFER_AFTER_PASSWORD_RESET"
    changed = source.replace(code, f"{code}\n    mode: shadow", 1)
    assert changed != source
    candidate = settings.ruleset_path.parent / f".bt-candidate-{tmp_path.name}.yaml"  # lists resolve next to it
    candidate.write_text(changed)
    try:
        result = asyncio.run(run_backtest(history, _pair(settings, candidate), _pair(settings)))
    finally:
        candidate.unlink()
    comp = result.comparison
    assert comp is not None and "ATO001_PWD_RESET_TRANSFER" in comp.ruleset_diff.changed
    cand = next(s for s in result.candidate.rules if s.rule_id == "ATO001_PWD_RESET_TRANSFER")
    assert cand.hits > 0 and cand.shadow_hits == cand.hits
    base = next(s for s in comp.baseline.rules if s.rule_id == "ATO001_PWD_RESET_TRANSFER")
    assert base.hits == cand.hits and base.shadow_hits == 0
    assert sum(comp.actions.changes.values()) == comp.actions.changed


def test_report_writes_undefined_ratios_as_null_and_chart_is_a_png(settings, history, tmp_path):
    result = asyncio.run(run_backtest(history, _pair(settings), None))
    doc = build_report(result)
    silent = [r for r in doc["candidate"]["rules"] if r["hits"] == 0]
    assert silent and all(r["precision"] is None for r in silent)
    assert "baseline" not in doc
    png = plot_backtest(result, tmp_path / "bt.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_input_without_transactions_is_an_actionable_error(settings):
    with pytest.raises(BacktestError, match="no transactions"):
        asyncio.run(run_backtest(History(lambda: iter([]), "empty.jsonl"), _pair(settings), None))


def test_cli_on_a_simulator_file_prints_tables_and_writes_the_report(tmp_path):
    sim_file = tmp_path / "sim.jsonl"
    write_jsonl(simulate(CONFIG), sim_file)
    out = tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["--rules", str(Settings().ruleset_path), "--baseline", "default",
                                      "--input", str(sim_file), "--json", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "alert precision" in result.output and "decision changes" in result.output
    assert json.loads(out.read_text())["input"] == str(sim_file)
    report = json.loads(out.read_text())
    assert from_file(sim_file).count_transactions() == report["candidate"]["overall"]["transactions"]


def test_cli_refuses_two_sources(tmp_path):
    result = CliRunner().invoke(cli, ["--rules", str(Settings().ruleset_path), "--baseline", "none",
                                      "--simulate-days", "1", "--from-topics"])
    assert result.exit_code == 2 and "exactly one source" in result.output
