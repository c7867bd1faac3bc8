"""Sub-command groups of the `fraudstream` CLI, mounted in one place."""

from __future__ import annotations

import typer


def mount(root: typer.Typer) -> None:
    from app.commands.demo import cli as demo_cli
    from app.commands.rules import cli as rules_cli

    root.add_typer(rules_cli, name="rules")
    root.add_typer(demo_cli)
