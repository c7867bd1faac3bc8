"""`fraudstream demo`: the main job end to end on a local broker."""

from __future__ import annotations

from typing import Annotated

import typer

cli = typer.Typer()


@cli.command()
def demo(
    duration: Annotated[float, typer.Option(help="seconds of traffic", envvar="DEMO_DURATION")] = 60.0,
    rate: Annotated[float, typer.Option(help="transactions per second offered", envvar="DEMO_RATE")] = 100.0,
    workers: Annotated[int, typer.Option(help="worker processes", envvar="DEMO_WORKERS")] = 1,
    customers: Annotated[int, typer.Option(help="simulated customers")] = 5_000,
    seed: Annotated[int, typer.Option(help="simulation seed")] = 7,
) -> None:
    """Start Kafka and workers, drive simulated traffic, show decisions live, stop everything, summarise."""
    from app.demo import run_demo

    raise typer.Exit(run_demo(duration, rate, workers, customers, seed))
