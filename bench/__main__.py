"""`make bench`: pipeline, rule engine and model scoring, each as a ratio to a baseline from the same run.

Machines are shared and noisy, so absolute figures are reported next to a baseline measured in the same
run (raw Kafka passthrough, plain numpy) and the ratio is the number to compare across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from app import localkafka
from app.logs import configure_logging

OUT = Path(__file__).resolve().parent.parent / "var" / "bench"


def _pipeline(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    from bench.pipeline_bench import measure

    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    bootstrap = external or localkafka.start("bench").bootstrap
    try:
        with console.status("pipeline: passthrough baseline, saturation, offered loads…"):
            return asyncio.run(measure(bootstrap, saturation_n=args.saturation, loads=tuple(args.loads),
                                       load_seconds=args.load_seconds, accounts=args.accounts))
    finally:
        if not external:
            localkafka.stop("bench")


def _print_pipeline(result: dict[str, Any], console: Console) -> None:
    table = Table(title="pipeline: one worker, all stages (4 partitions)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("raw aiokafka passthrough (baseline)", f"{result['passthrough_tps']:,.0f} msg/s")
    table.add_row("pipeline at saturation", f"{result['pipeline_tps']:,.0f} tx/s")
    table.add_row("ratio to passthrough", f"{result['ratio_to_passthrough']:.3f}")
    for rate, row in result["offered"].items():
        table.add_row(f"offered {rate} tx/s: achieved / p50 / p99",
                      f"{row['achieved_tps']:,.0f} tx/s / {row['p50_ms']:.1f} ms / {row['p99_ms']:.1f} ms")
    table.add_row("worker RSS (end)", f"{result['rss_mb']:.0f} MB")
    table.add_row("RSS growth per 100k active accounts", f"{result['rss_mb_per_100k_accounts']:.0f} MB")
    table.add_row("on-disk state per 100k active accounts", f"{result['disk_mb_per_100k_accounts']:.0f} MB")
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["pipeline", "rules", "model"], action="append")
    parser.add_argument("--saturation", type=int, default=6000, help="transactions for the saturation run")
    parser.add_argument("--loads", type=int, nargs="+", default=[100, 250, 500, 1000], help="offered tx/s")
    parser.add_argument("--load-seconds", type=float, default=6.0)
    parser.add_argument("--accounts", type=int, default=20_000)
    args = parser.parse_args()
    configure_logging("warning")
    console = Console()
    parts = args.only or ["rules", "model", "pipeline"]
    results: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if "rules" in parts:
        from bench import rules_bench

        with console.status("rules: 500 rules, batch 1,000 and single events…"):
            results["rules"] = rules_bench.main()  # prints its own table
    if "model" in parts:
        from bench import model_bench

        with console.status("model: shipped-settings LightGBM over 100k rows…"):
            results["model"] = model_bench.main()  # prints its own table
    if "pipeline" in parts:
        results["pipeline"] = _pipeline(args, console)
        _print_pipeline(results["pipeline"], console)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    console.print(f"figures written to {OUT / 'latest.json'}")


if __name__ == "__main__":
    main()
