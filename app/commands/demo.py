"""`fraudstream demo`: the main job end to end on a local broker."""

from __future__ import annotations

from typing import Annotated

import typer

from app.commands.errors import exit_on_error
from app.commands.options import setting_option
from app.settings import DevSettings, build_settings

cli = typer.Typer()


@cli.command()
def demo(
    duration: Annotated[float | None, setting_option("demo_duration", help="seconds of traffic",
                                                     settings=DevSettings)] = None,
    rate: Annotated[float | None, setting_option("demo_rate", help="transactions per second offered",
                                                 settings=DevSettings)] = None,
    workers: Annotated[int | None, setting_option("demo_workers", help="worker processes",
                                                  settings=DevSettings)] = None,
    customers: Annotated[int, typer.Option(help="simulated customers")] = 5_000,
    seed: Annotated[int, typer.Option(help="simulation seed")] = 7,
) -> None:
    """Start Kafka and workers, drive simulated traffic, show decisions live, stop everything, summarise."""
    from app.demo import run_demo

    given = {"demo_duration": duration, "demo_rate": rate, "demo_workers": workers}
    with exit_on_error():
        dev = build_settings(DevSettings, **{name: value for name, value in given.items() if value is not None})
        status = run_demo(dev, customers, seed)
    raise typer.Exit(status)
