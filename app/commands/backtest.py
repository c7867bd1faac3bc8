"""`fraudstream backtest`: a candidate ruleset over history, measured against labels and the deployed rules.

    fraudstream backtest --rules rules/candidate.yaml --simulate-days 10 --customers 2000 --seed 7
    fraudstream backtest --rules rules/candidate.yaml --input sim.jsonl --baseline default --png bt.png
    fraudstream backtest --rules rules/candidate.yaml --input export.csv --mapping map.yaml --labels labels.csv \
        --timezone Asia/Shanghai --out decisions.parquet
    fraudstream backtest --rules rules/candidate.yaml --input export.csv --mapping map.yaml --dry-run
    fraudstream backtest --rules rules/candidate.yaml --from-topics --from 2025-01-01 --to 2025-01-08
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from app.backtest import history as hist
from app.backtest.decisions_out import ParquetDecisions
from app.backtest.exceptions import BacktestError
from app.backtest.render import render
from app.backtest.report import build_report, write_report
from app.backtest.runner import Backtest, Metrics, run_backtest
from app.backtest.strategies import RulesetText, from_file, resolve_baseline, strategy_source
from app.commands.errors import exit_on_error
from app.commands.options import (
    Bootstrap,
    DryRun,
    LabelsFile,
    MappingFile,
    MaxRejectShare,
    Prefix,
    TimeZone,
    dry_run_exit,
    file_input,
    settings_from,
)
from app.history_input import FileInput
from app.logs import configure_logging
from app.progress import progress_bar
from app.row_import import DEFAULT_MAX_REJECT_SHARE
from app.settings import Settings
from app.timeopts import parse_time_ms
from schemas.extras import import_extra
from sim.config import SimConfig

cli = typer.Typer(help="Backtest rulesets on history.", no_args_is_help=True)
console = Console()

Opt = typer.Option



def _history(settings: Settings, source: FileInput | None, from_topics: bool, start: str | None, end: str | None,
             days: float | None, customers: int, seed: int, fraud_rate: float) -> hist.History:
    chosen = [name for name, on in (("--input", source is not None), ("--from-topics", from_topics),
                                    ("--simulate-days", days is not None)) if on]
    if len(chosen) != 1:
        raise BacktestError(f"give exactly one source of history: --input FILE, --from-topics or --simulate-days N"
                            f" (got {', '.join(chosen) or 'none'})")
    if source is not None:
        return hist.from_file(source.path, mapping=source.mapping, labels_path=source.labels_path,
                              max_reject_share=source.max_reject_share)
    if from_topics:
        return asyncio.run(hist.from_topics(settings.bootstrap_servers, settings.topic_prefix,
                                            start_ms=parse_time_ms(start), end_ms=parse_time_ms(end)))
    assert days is not None
    return hist.from_simulation(SimConfig(seed=seed, customers=customers, days=days, fraud_rate=fraud_rate))


@cli.command("backtest")
def backtest_cmd(
    rules: Annotated[Path, Opt("--rules", exists=True, dir_okay=False, help="candidate ruleset YAML")],
    baseline: Annotated[str, Opt(help="compare with: 'deployed' (control topic; shipped default if none), "
                                      "'default' (shipped ruleset), 'none', or a ruleset file")] = "deployed",
    input_path: Annotated[Path | None, Opt("--input", exists=True, dir_okay=False,
                                           help="history: simulator JSONL, or JSONL/CSV/Parquet transactions")] = None,
    mapping: MappingFile = None,
    labels: LabelsFile = None,
    timezone: TimeZone = None,
    max_reject_share: MaxRejectShare = DEFAULT_MAX_REJECT_SHARE,
    dry_run: DryRun = False,
    from_topics: Annotated[bool, Opt("--from-topics", help="history from the Kafka input topics")] = False,
    start: Annotated[str | None, Opt("--from", help="with --from-topics: first event time (ISO, date, ms)")] = None,
    end: Annotated[str | None, Opt("--to", help="with --from-topics: end time, exclusive")] = None,
    simulate_days: Annotated[float | None, Opt(help="history: simulate this many days instead")] = None,
    customers: Annotated[int, Opt(help="with --simulate-days: customers")] = 2_000,
    seed: Annotated[int, Opt(help="with --simulate-days: random seed")] = 7,
    fraud_rate: Annotated[float, Opt(help="with --simulate-days: share of fraudulent transactions")] = 0.01,
    model: Annotated[Path | None, Opt(exists=True, dir_okay=False,
                                      help="champion model artifact JSON (used by candidate and baseline)")] = None,
    json_out: Annotated[Path | None, Opt("--json", help="write the full report here")] = None,
    png_out: Annotated[Path | None, Opt("--png", help="write a chart here")] = None,
    out: Annotated[Path | None, Opt("--out", dir_okay=False,
                                    help="write the candidate's per-transaction decisions here (.parquet)")] = None,
    k: Annotated[int, Opt(help="precision@k: accounts an analyst team reviews a day")] = 20,
    budget: Annotated[float, Opt(help="recall at this share of transactions alerted")] = 0.01,
    top: Annotated[int, Opt(help="rules shown in the terminal tables")] = 25,
    progress: Annotated[bool, Opt(help="show a progress bar")] = True,
    bootstrap: Bootstrap = None,
    topic_prefix: Prefix = None,
) -> None:
    """Run CANDIDATE (and the baseline) over history through the streaming handlers; report and diff."""
    settings = settings_from(bootstrap_servers=bootstrap, topic_prefix=topic_prefix)
    configure_logging("warning")  # the tables are the output; per-step logs would drown them
    with exit_on_error():
        if png_out is not None:  # the chart needs an optional extra: say so before the long run, not after
            import_extra("matplotlib", "--png")
        source = file_input(input_path, mapping, labels, timezone, max_reject_share)
        if dry_run:
            raise dry_run_exit(source, console)
        if out is not None and out.suffix.lower() != ".parquet":
            raise BacktestError(f"--out {out}: decisions are written as Parquet; name the file *.parquet")
        if out is not None:
            import_extra("pyarrow", "--out")
        candidate = from_file(rules)
        model_json = model.read_text() if model else None
        base = asyncio.run(resolve_baseline(baseline, settings))
        history = _history(settings, source, from_topics, start, end, simulate_days, customers, seed, fraud_rate)
        runs = Runs(settings, candidate, base, model_json, Metrics(k=k, budget=budget,
                    utc_offset_minutes=settings.utc_offset_minutes), max_reject_share)
        with contextlib.ExitStack() as stack:
            sink = stack.enter_context(ParquetDecisions(out)) if out is not None else None
            result = runs.run(history, progress, sink)
    render(result, console, top=top)
    if json_out is not None:
        console.print(f"report: {write_report(build_report(result), json_out)}")
    if png_out is not None:
        from app.backtest.chart import plot_backtest

        console.print(f"chart: {plot_backtest(result, png_out)}")
    if out is not None:
        console.print(f"decisions: {out}")


@dataclass(frozen=True)
class Runs:
    """What the candidate and baseline runs share, built once at the entry point."""

    settings: Settings
    candidate: RulesetText
    baseline: RulesetText | None
    model_json: str | None
    metrics: Metrics
    max_reject_share: float

    def run(self, history: hist.History, show: bool, sink: ParquetDecisions | None) -> Backtest:
        pairs = {"candidate": (self.candidate, strategy_source(self.candidate, self.settings, self.model_json))}
        if self.baseline is not None:
            pairs["baseline"] = (self.baseline, strategy_source(self.baseline, self.settings, self.model_json))
        with progress_bar(show) as bar:
            tasks = {name: bar.add_task(f"{name} {text.label}", total=history.expected)
                     for name, (text, _) in pairs.items()}
            return asyncio.run(run_backtest(
                history, pairs["candidate"], pairs.get("baseline"), metrics=self.metrics,
                stage=self.settings.stage_config(), progress=lambda name: lambda n: bar.advance(tasks[name], n),
                sink=sink, max_reject_share=self.max_reject_share))
