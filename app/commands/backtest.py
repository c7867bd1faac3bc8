"""`fraudstream backtest`: a candidate ruleset over history, measured against labels and the deployed rules.

    fraudstream backtest --rules rules/candidate.yaml --simulate-days 10 --customers 2000 --seed 7
    fraudstream backtest --rules rules/candidate.yaml --input sim.jsonl --baseline default --png bt.png
    fraudstream backtest --rules rules/candidate.yaml --input export.csv --mapping map.yaml --labels labels.csv
    fraudstream backtest --rules rules/candidate.yaml --from-topics --from 2025-01-01 --to 2025-01-08
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from app.backtest import history as hist
from app.backtest.exceptions import BacktestError
from app.backtest.render import render
from app.backtest.report import build_report, write_report
from app.backtest.runner import Backtest, Metrics, run_backtest
from app.backtest.strategies import from_file, resolve_baseline, strategy_source
from app.commands.errors import exit_on_error
from app.commands.options import Bootstrap, Prefix, settings_from
from app.logs import configure_logging
from app.progress import progress_bar
from app.settings import Settings
from app.timeopts import parse_time_ms
from schemas.extras import import_extra
from sim.config import SimConfig

cli = typer.Typer(help="Backtest rulesets on history.", no_args_is_help=True)
console = Console()

Opt = typer.Option



def _history(settings: Settings, input_path: Path | None, mapping: Path | None, labels: Path | None,
             from_topics: bool, start: str | None, end: str | None, days: float | None, customers: int,
             seed: int, fraud_rate: float) -> hist.History:
    chosen = [name for name, on in (("--input", input_path is not None), ("--from-topics", from_topics),
                                    ("--simulate-days", days is not None)) if on]
    if len(chosen) != 1:
        raise BacktestError(f"give exactly one source of history: --input FILE, --from-topics or --simulate-days N"
                            f" (got {', '.join(chosen) or 'none'})")
    if input_path is not None:
        return hist.from_file(input_path, mapping_path=mapping, labels_path=labels)
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
    mapping: Annotated[Path | None, Opt(help="field mapping for --input (see `replay --help`)")] = None,
    labels: Annotated[Path | None, Opt(help="labels file for a non-simulator --input")] = None,
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
        candidate = from_file(rules)
        model_json = model.read_text() if model else None
        base = asyncio.run(resolve_baseline(baseline, settings))
        history = _history(settings, input_path, mapping, labels, from_topics, start, end, simulate_days,
                           customers, seed, fraud_rate)
        result = _run(history, settings, candidate, base, model_json, Metrics(k=k, budget=budget,
                      utc_offset_minutes=settings.utc_offset_minutes), progress)
    render(result, console, top=top)
    if json_out is not None:
        console.print(f"report: {write_report(build_report(result), json_out)}")
    if png_out is not None:
        from app.backtest.chart import plot_backtest

        console.print(f"chart: {plot_backtest(result, png_out)}")


def _run(history: hist.History, settings: Settings, candidate, base, model_json: str | None, metrics: Metrics,
         show: bool) -> Backtest:
    pairs = {"candidate": (candidate, strategy_source(candidate, settings, model_json))}
    if base is not None:
        pairs["baseline"] = (base, strategy_source(base, settings, model_json))
    with progress_bar(show) as bar:
        tasks = {name: bar.add_task(f"{name} {text.label}", total=len(history.records))
                 for name, (text, _) in pairs.items()}
        return asyncio.run(run_backtest(
            history, pairs["candidate"], pairs.get("baseline"), metrics=metrics, stage=settings.stage_config(),
            progress=lambda name: lambda n: bar.advance(tasks[name], n)))
