"""`make bench`: pipeline, rule engine, model scoring and backtest, each as a ratio to a baseline from the same run.

Machines are shared and noisy, so absolute figures are reported next to a baseline measured in the same
run (raw Kafka passthrough, plain numpy) and the ratio is the number to compare across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from app import localkafka
from app.logs import configure_logging
from app.settings import DevSettings, build_settings

OUT = Path(__file__).resolve().parent.parent / "var" / "bench"


def _pipeline(args: argparse.Namespace, dev: DevSettings, console: Console) -> dict[str, Any]:
    from bench import pipeline_bench

    external = dev.external_bootstrap
    bootstrap = external or localkafka.start(dev, "bench").bootstrap
    result: dict[str, Any] = {"engines": {}}
    try:
        with console.status("ceilings: raw aiokafka passthrough, Faust forward agent, Quix forward…"):
            result["ceilings"] = asyncio.run(pipeline_bench.ceilings(bootstrap, n=args.saturation,
                                                                     accounts=args.accounts))
        for engine in args.engines:
            with console.status(f"pipeline on {engine}: saturation, offered loads…"):
                result["engines"][engine] = asyncio.run(pipeline_bench.measure(
                    bootstrap, engine=engine, saturation_n=args.saturation, loads=tuple(args.loads),
                    load_seconds=args.load_seconds, accounts=args.accounts))
            if args.two_workers:
                with console.status(f"pipeline on {engine}: two workers, 8 partitions…"):
                    result["engines"][engine]["two_workers_tps"] = asyncio.run(pipeline_bench.two_workers(
                        bootstrap, engine=engine, n=args.saturation * 2, accounts=args.accounts))
    finally:
        if not external:
            localkafka.stop(dev, "bench")
    return result


def _print_pipeline(result: dict[str, Any], console: Console) -> None:
    raw = result["ceilings"]["raw_aiokafka"]
    ceilings = Table(title="ceilings: one process consumes and produces every message (4 partitions)")
    for column in ("process", "msg/s", "ratio to raw aiokafka"):
        ceilings.add_column(column, justify="right" if column != "process" else "left")
    for name, label in (("raw_aiokafka", "raw aiokafka passthrough (baseline)"),
                        ("faust_forward", "Faust agent that only forwards"),
                        ("quix_forward", "Quix Streams dataframe that only forwards")):
        ceilings.add_row(label, f"{result['ceilings'][name]:,.0f}", f"{result['ceilings'][name] / raw:.3f}")
    console.print(ceilings)
    engines = result["engines"]
    table = Table(title="pipeline: one worker, all stages (4 partitions); ratios to the raw passthrough above")
    table.add_column("measure")
    for engine in engines:
        table.add_column(engine, justify="right")

    def row(label: str, cell: Any) -> None:
        table.add_row(label, *[cell(engines[engine]) for engine in engines])

    row("saturation", lambda r: f"{r['pipeline_tps']:,.0f} tx/s")
    row("saturation / raw passthrough", lambda r: f"{r['pipeline_tps'] / raw:.3f}")
    for rate in next(iter(engines.values()))["offered"]:
        row(f"offered {rate} tx/s: achieved / p50 / p99", lambda r, rate=rate: (
            f"{r['offered'][rate]['achieved_tps']:,.0f} / {r['offered'][rate]['p50_ms']:.1f} ms / "
            f"{r['offered'][rate]['p99_ms']:.1f} ms"))
    row("worker RSS (end)", lambda r: f"{r['rss_mb']:.0f} MB")
    row("RSS growth per 100k active accounts", lambda r: f"{r['rss_mb_per_100k_accounts']:.0f} MB")
    row("on-disk state per 100k active accounts", lambda r: f"{r['disk_mb_per_100k_accounts']:.0f} MB")
    if all("two_workers_tps" in r for r in engines.values()):
        row("two workers, 8 partitions: saturation", lambda r: f"{r['two_workers_tps']:,.0f} tx/s")
    console.print(table)


def _service(args: argparse.Namespace, dev: DevSettings, console: Console) -> dict[str, Any]:
    from bench import service_bench

    external = dev.external_bootstrap
    bootstrap = external or localkafka.start(dev, "bench-service").bootstrap
    try:
        with console.status(f"service: {args.service_rows:,} decisions into SQLite and PostgreSQL, sink, "
                            f"queries over {args.service_query_rows:,}…"):
            return service_bench.main(args.service_rows, args.service_sink_rows, bootstrap, args.service_query_rows)
    finally:
        if not external:
            localkafka.stop(dev, "bench-service")


def _api(args: argparse.Namespace, dev: DevSettings, console: Console) -> dict[str, Any]:
    from bench import decision_api_bench

    external = dev.external_bootstrap
    bootstrap = external or localkafka.start(dev, "bench-api").bootstrap
    try:
        with console.status(f"decision API: {args.api_rates} req/s for {args.api_seconds:g} s each, one worker…"):
            return asyncio.run(decision_api_bench.measure(bootstrap, rates=tuple(args.api_rates),
                                                          seconds=args.api_seconds))
    finally:
        if not external:
            localkafka.stop(dev, "bench-api")


def _print_api(result: dict[str, Any], console: Console) -> None:
    table = Table(title="decision API: HTTP round trip vs the pipeline's produce→decision (one quix worker, "
                        "same run)")
    for column in ("offered req/s", "API p50", "API p99", "in handler (mean)", "service CPU / request",
                   "fallback share", "errors", "pipeline p50", "pipeline p99"):
        table.add_column(column, justify="right")
    for rate, row in result.items():
        api, pipeline = row["api"], row["pipeline"]
        table.add_row(str(rate), f"{api['p50_ms']:.1f} ms", f"{api['p99_ms']:.1f} ms",
                      f"{api['server_mean_ms']:.1f} ms", f"{api['service_cpu_ms_per_request']:.2f} ms",
                      f"{api['fallback_share']:.1%}", str(api["errors"]),
                      f"{pipeline['p50_ms']:.1f} ms",
                      f"{pipeline['p99_ms']:.1f} ms")
    console.print(table)


def _print_service(result: dict[str, Any], console: Console) -> None:
    stores = ("sqlite", "postgresql")
    table = Table(title=f"risk service store: writes {result['rows']:,} decisions, sink {result['sink_rows']:,} "
                        f"via Kafka, queries over {result['query_rows']:,}")
    table.add_column("measure")
    for store in stores:
        table.add_column(store, justify="right")
    if all("baseline_rows_s" in result[s] for s in stores):
        table.add_row("baseline: Core executemany of the rows", *(f"{result[s]['baseline_rows_s']:,.0f} rows/s"
                                                                    for s in stores))
    for key, label in (("store_rows_s", "store write (parse + upserts)"), ("sink_rows_s", "sink (Kafka → store)")):
        if all(key in result[s] and "baseline_rows_s" in result[s] for s in stores):
            table.add_row(label, *(f"{result[s][key]:,.0f} rows/s, ratio "
                                   f"{result[s][key] / result[s]['baseline_rows_s']:.2f}" for s in stores))
    table.add_row("bulk load for the queries", *(f"{result[s]['rows']:,} in {result[s]['load_s']:.0f} s"
                                                 for s in stores))
    from bench.service_bench import BASELINE as baseline

    for name in result[stores[0]]["queries"]:
        table.add_row(f"query {name}: p50 / p99", *(
            f"{result[s]['queries'][name]['p50_ms']:.2f} / {result[s]['queries'][name]['p99_ms']:.2f} ms "
            f"(p99 ratio {result[s]['queries'][name]['p99_ms'] / result[s]['queries'][baseline]['p99_ms']:.1f})"
            for s in stores))
    console.print(table)
    for name, plan in result["postgresql"].get("plans", {}).items():
        scans = sorted({line.strip().lstrip("-> ").split("  (")[0] for line in plan if "Scan" in line})
        console.print(f"PostgreSQL plan, {name}: {', '.join(scans)}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["pipeline", "rules", "model", "backtest", "service", "api"], action="append")
    parser.add_argument("--backtest-cards", type=int, default=20,
                        help="cards in the backtest probe's export (N = cards x 96 days x ~3, then 4N)")
    parser.add_argument("--saturation", type=int, default=6000, help="transactions for the saturation run")
    parser.add_argument("--loads", type=int, nargs="+", default=[100, 250, 500, 1000], help="offered tx/s")
    parser.add_argument("--load-seconds", type=float, default=6.0)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--engines", nargs="+", choices=["quix", "faust"], default=["quix", "faust"])
    parser.add_argument("--no-two-workers", dest="two_workers", action="store_false",
                        help="skip the two-worker, 8-partition saturation run")
    parser.add_argument("--service-rows", type=int, default=100_000,
                        help="decisions stored for the store write and query runs")
    parser.add_argument("--service-sink-rows", type=int, default=20_000, help="decisions through Kafka → sink")
    parser.add_argument("--service-query-rows", type=int, default=1_000_000,
                        help="decisions bulk-loaded for the query latency run")
    parser.add_argument("--api-rates", type=int, nargs="+", default=[50, 100, 200],
                        help="offered POST /v1/decisions req/s")
    parser.add_argument("--api-seconds", type=float, default=5.0, help="seconds per offered API rate")
    args = parser.parse_args()
    dev = build_settings(DevSettings)
    configure_logging("warning")
    console = Console()
    parts = args.only or ["rules", "model", "backtest", "pipeline", "service", "api"]
    results: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if "rules" in parts:
        from bench import rules_bench

        with console.status("rules: 500 rules, batch 1,000 and single events…"):
            results["rules"] = rules_bench.main()  # prints its own table
        from bench import ruleset_scale

        with console.status("rules: checking and applying 1k and 10k rules, loading a 100k-item list…"):
            results["ruleset_scale"] = ruleset_scale.main()  # prints its own table
    if "model" in parts:
        from bench import model_bench

        with console.status("model: shipped-settings LightGBM over 100k rows…"):
            results["model"] = model_bench.main()  # prints its own table
    if "backtest" in parts:
        from bench import backtest_bench

        with console.status("backtest: a foreign CSV at N and 4N transactions, peak RSS and tx/s…"):
            results["backtest"] = backtest_bench.measure(cards=args.backtest_cards)
        backtest_bench.print_result(results["backtest"], console)
    if "pipeline" in parts:
        results["pipeline"] = _pipeline(args, dev, console)
        _print_pipeline(results["pipeline"], console)
    if "service" in parts:
        results["service"] = _service(args, dev, console)
        _print_service(results["service"], console)
    if "api" in parts:
        results["api"] = _api(args, dev, console)
        _print_api(results["api"], console)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    console.print(f"figures written to {OUT / 'latest.json'}")


if __name__ == "__main__":
    main()
