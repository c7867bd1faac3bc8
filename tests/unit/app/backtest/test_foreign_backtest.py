"""Backtest of a bank's own export: the CLI's import options, its failures, the decisions file, and memory
that is bounded by the entity state rather than by the history's length."""

from __future__ import annotations

import asyncio
import gc

import pytest
from typer.testing import CliRunner

from app.backtest import run_backtest, strategies, strategy_source
from app.backtest.history import from_file
from app.commands.backtest import cli
from app.field_mapping import load_mapping
from app.settings import Settings
from bench.foreign import ForeignFiles, write_foreign
from risk.features.common import StageConfig

RUNNER = CliRunner()


@pytest.fixture(scope="module")
def foreign(tmp_path_factory: pytest.TempPathFactory) -> ForeignFiles:
    return write_foreign(tmp_path_factory.mktemp("foreign"), cards=40, days=4)


def _args(files: ForeignFiles, *extra: str) -> list[str]:
    return ["--rules", str(Settings().ruleset_path), "--baseline", "none", "--input", str(files.transactions),
            "--mapping", str(files.mapping), "--labels", str(files.labels), "--no-progress", *extra]


def test_a_foreign_export_backtests_with_its_labels_and_writes_the_decisions_as_parquet(foreign, tmp_path):
    import pyarrow.parquet as pq

    out = tmp_path / "decisions.parquet"
    result = RUNNER.invoke(cli, _args(foreign, "--out", str(out)))
    assert result.exit_code == 0, result.output
    assert f"{foreign.rows:,} / {foreign.frauds:,}" in result.output  # every row decided, every fraud label joined
    table = pq.read_table(out)
    assert table.num_rows == foreign.rows
    assert {"transaction_id", "account_id", "event_time_ms", "action", "score", "rules"} <= set(table.column_names)
    assert len(set(table.column("transaction_id").to_pylist())) == foreign.rows


def test_out_must_be_parquet(foreign, tmp_path):
    result = RUNNER.invoke(cli, _args(foreign, "--out", str(tmp_path / "d.csv")))
    assert result.exit_code == 2 and "*.parquet" in result.output


def test_too_many_rejects_fail_with_a_summary_by_code_not_an_empty_table(foreign, tmp_path):
    no_zone = tmp_path / "no-zone.yaml"
    no_zone.write_text(foreign.mapping.read_text().replace("timezone: Asia/Shanghai\n", ""))
    result = RUNNER.invoke(cli, [*_args(foreign)[:-5], "--mapping", str(no_zone), "--no-progress"])
    assert result.exit_code == 2, result.output
    assert "rejects by code" in result.output and "naive_time" in result.output and "--timezone" in result.output
    assert "0 / 0" not in result.output


def test_the_timezone_flag_rescues_a_mapping_without_one(foreign, tmp_path):
    no_zone = tmp_path / "no-zone.yaml"
    no_zone.write_text(foreign.mapping.read_text().replace("timezone: Asia/Shanghai\n", ""))
    args = _args(foreign)
    args[args.index("--mapping") + 1] = str(no_zone)
    result = RUNNER.invoke(cli, [*args, "--timezone", "Asia/Shanghai", "--dry-run"])
    assert result.exit_code == 0, result.output


def test_a_share_of_rejects_within_the_limit_passes_and_one_above_fails(foreign, tmp_path):
    broken = tmp_path / "broken.csv"
    lines = foreign.transactions.read_text().splitlines()
    bad = max(1, len(lines) // 50)  # ~2% of the rows lose their amount
    broken.write_text("\n".join([lines[0]] + [line.replace(line.split(",")[3], "", 1) if i < bad else line
                                              for i, line in enumerate(lines[1:])]) + "\n")
    args = _args(foreign)
    args[args.index("--input") + 1] = str(broken)
    failed = RUNNER.invoke(cli, [*args, "--max-reject-share", "0.01"])
    assert failed.exit_code == 2 and "missing_field: " in failed.output
    assert "rows read so far" in failed.output  # the outcome was certain before the file's end
    passed = RUNNER.invoke(cli, [*args, "--max-reject-share", "0.05"])
    assert passed.exit_code == 0, passed.output


def test_dry_run_shows_mapped_rows_and_reject_counts_and_decides_nothing(foreign, tmp_path):
    out = tmp_path / "never.parquet"
    result = RUNNER.invoke(cli, _args(foreign, "--dry-run", "--out", str(out)))
    assert result.exit_code == 0, result.output
    assert "row 5" in result.output and "transaction_id" in result.output and "counterparty.kind" in result.output
    assert f"{foreign.rows} rows read, 0 rejected" in result.output and not out.exists()


def test_dry_run_exits_non_zero_when_the_real_run_would_fail(foreign, tmp_path):
    no_zone = tmp_path / "no-zone.yaml"
    no_zone.write_text(foreign.mapping.read_text().replace("timezone: Asia/Shanghai\n", ""))
    args = _args(foreign, "--dry-run")
    args[args.index("--mapping") + 1] = str(no_zone)
    result = RUNNER.invoke(cli, args)
    assert result.exit_code == 2 and "naive_time" in result.output and "a real run would fail" in result.output


def test_baseline_deployed_without_a_broker_is_one_line_and_asks_for_no_token(foreign, monkeypatch):
    monkeypatch.delenv("FRAUDSTREAM_ADMIN_TOKEN", raising=False)
    args = _args(foreign)
    args[args.index("--baseline") + 1] = "deployed"
    result = RUNNER.invoke(cli, [*args, "--bootstrap", "127.0.0.1:1"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "control topic" in lines[0] and "--baseline default" in lines[0]
    assert "token" not in result.output.lower()


SMALL_STATE = StageConfig(dedupe_capacity=8, replay_capacity=4, distinct_capacity=8, memory_ms=86_400_000,
                          label_capacity=4)


def _peak_objects(files: ForeignFiles) -> int:
    """Most live Python objects at any progress tick of a candidate-only backtest, above the start."""
    settings = Settings()
    text = strategies.from_file(settings.ruleset_path)
    history = from_file(files.transactions, mapping=load_mapping(files.mapping), labels_path=files.labels)
    peak = [0]

    def tick(_: int) -> None:
        gc.collect()
        peak[0] = max(peak[0], len(gc.get_objects()))

    source = strategy_source(text, settings)
    gc.collect()
    start = len(gc.get_objects())
    result = asyncio.run(run_backtest(history, (text, source), None, progress=lambda _: tick, stage=SMALL_STATE))
    assert result.candidate.overall.transactions == files.rows
    return peak[0] - start


def test_memory_is_bounded_by_entity_state_not_by_history_length(tmp_path):
    """N and 4N transactions over the same few cards, both longer than the 30-day windows and with small
    per-entity capacities, so the entity state is full in both. Holding the history would retain at least
    three objects per record (a tuple and two byte strings) and a decision dict dozens; the stream retains
    the entity state, the same either way, plus typed arrays for the metrics (no object per row)."""
    short = write_foreign(tmp_path / "n", cards=6, days=32)
    long = write_foreign(tmp_path / "4n", cards=6, days=128)
    assert long.rows > 3.5 * short.rows
    few, many = _peak_objects(short), _peak_objects(long)
    assert many < 1.25 * few, (few, many)
    assert (many - few) / (long.rows - short.rows) < 1.0, (few, many)
