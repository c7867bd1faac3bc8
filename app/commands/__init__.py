"""Sub-command groups of the `fraudstream` CLI, mounted in one place."""

from __future__ import annotations

import typer


def mount(root: typer.Typer) -> None:
    from app.commands.backtest import cli as backtest_cli
    from app.commands.calibration import policy_cli
    from app.commands.console import cli as console_cli
    from app.commands.demo import cli as demo_cli
    from app.commands.model import cli as model_cli
    from app.commands.rules import cli as rules_cli
    from app.commands.service import cli as service_cli
    from app.replay import cli as replay_cli
    from app.simulate import cli as simulate_cli

    root.add_typer(rules_cli, name="rules")
    root.add_typer(demo_cli)
    root.add_typer(simulate_cli)
    root.add_typer(replay_cli)
    root.add_typer(backtest_cli)
    root.add_typer(model_cli, name="model")
    root.add_typer(service_cli, name="service")
    root.add_typer(policy_cli, name="policy")
    root.add_typer(console_cli, name="console")
