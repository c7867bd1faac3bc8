"""`fraudstream rules …`: validate, diff, publish, rollback and list rulesets on the control topic."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from app.commands.calibration import rules_calibrate
from app.commands.options import Author, Bootstrap, Prefix, settings_from
from app.control.publish import activate, publish, read_state
from app.rulesets import bundle_spec
from app.settings import Settings
from risk.rules import Problem, analyse_file, compile_ruleset, diff_rulesets, load_ruleset, parse_ruleset

cli = typer.Typer(help="Write, check and deploy rulesets without restarting workers.", no_args_is_help=True)
console = Console()

RulesFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="ruleset YAML")]
cli.command("calibrate")(rules_calibrate)


def _styled(problem: Problem) -> Text:
    """A problem as plain text in its severity's colour: its `[code]` and the rule's own text are no markup."""
    return Text(str(problem), style="red" if problem.severity == "error" else "yellow")


@cli.command("validate")
def validate_cmd(path: RulesFile, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Check syntax, names, types and limits; exit 1 on any error (same checks as publishing)."""
    spec, analysis = analyse_file(path, settings_from().ruleset_limits())  # checked once, compiled from it
    problems = analysis.problems
    errors = analysis.errors
    if as_json:
        typer.echo(json.dumps([p.__dict__ for p in problems], indent=2))
    else:
        for problem in problems:
            console.print(_styled(problem))
        if spec is not None and not errors:
            compiled = compile_ruleset(spec, analysis)
            console.print(f"[green]ok[/green]: {len(spec.rules)} rules, version {compiled.version}")
    raise typer.Exit(1 if errors else 0)


async def _active_ruleset_text(settings: Settings) -> tuple[str, str]:
    artifacts, pointers = await read_state(settings)
    pointer = pointers.get("ruleset")
    if pointer is None:
        return settings.ruleset_path.read_text(), f"default file {settings.ruleset_path}"
    body = next(a.body for a in artifacts if a.kind == "ruleset" and a.version == pointer.version)
    return body or "", f"deployed {pointer.version}"


@cli.command("diff")
def diff_cmd(path: RulesFile, bootstrap: Bootstrap = None, topic_prefix: Prefix = None) -> None:
    """What would change against the deployed ruleset (or the shipped default when none is deployed)."""
    settings = settings_from(bootstrap_servers=bootstrap, topic_prefix=topic_prefix)
    old_text, label = asyncio.run(_active_ruleset_text(settings))
    limits = settings.ruleset_limits()
    diff = diff_rulesets(parse_ruleset(old_text, label, limits), load_ruleset(path, limits))
    if diff.is_empty:
        console.print(f"no changes against {label}")
        return
    table = Table(title=f"{path} vs {label}")
    table.add_column("change")
    table.add_column("what")
    for rule_id in diff.added:
        table.add_row("[green]added", rule_id)
    for rule_id in diff.removed:
        table.add_row("[red]removed", rule_id)
    for rule_id, fields in diff.changed.items():
        table.add_row("[yellow]changed", f"{rule_id}: {', '.join(fields)}")
    for what, names in (("params", diff.params_changed), ("lists", diff.lists_changed),
                        ("scopes", diff.scopes_changed)):
        if names:
            table.add_row(f"[yellow]{what}", ", ".join(names))
    console.print(table)


@cli.command("publish")
def publish_cmd(
    path: RulesFile,
    author: Author,
    note: Annotated[str, typer.Option(help="why")] = "",
    bootstrap: Bootstrap = None,
    topic_prefix: Prefix = None,
) -> None:
    """Validate, then publish to the control topic; every worker switches within seconds, no restart."""
    settings = settings_from(bootstrap_servers=bootstrap, topic_prefix=topic_prefix)
    limits = settings.ruleset_limits()
    spec, analysis = analyse_file(path, limits)
    if spec is None or analysis.errors:
        for problem in analysis.errors:
            console.print(_styled(problem))
        console.print("[red]refused[/red]: the ruleset has errors; nothing was published")
        raise typer.Exit(1)
    compiled = compile_ruleset(spec, analysis)  # the bundle hashes like its files: one version for both
    text = bundle_spec(spec, str(path), limits)  # lists inlined: workers never read the analyst's files
    asyncio.run(publish(settings, "ruleset", compiled.version, text, author, note))
    console.print(f"published ruleset [bold]{compiled.version}[/bold] ({len(spec.rules)} rules)")


@cli.command("rollback")
def rollback_cmd(
    author: Author,
    to: Annotated[str | None, typer.Option(help="version to activate; default: the one before the active")] = None,
    bootstrap: Bootstrap = None,
    topic_prefix: Prefix = None,
) -> None:
    """Point workers back at an earlier published version (kept on the compacted control topic)."""
    settings = settings_from(bootstrap_servers=bootstrap, topic_prefix=topic_prefix)
    artifacts, pointers = asyncio.run(read_state(settings))
    versions = [a.version for a in artifacts if a.kind == "ruleset"]
    active = pointers["ruleset"].version if "ruleset" in pointers else None
    target = to or _previous(versions, active)
    if target not in versions:
        published = escape(", ".join(versions) or "none")
        console.print(f"[red]unknown version {escape(repr(target))}; published: {published}")
        raise typer.Exit(1)
    asyncio.run(activate(settings, "ruleset", target, author, note=f"rollback from {active}"))
    console.print(f"active ruleset is now [bold]{target}[/bold] (was {active})")


def _previous(versions: list[str], active: str | None) -> str | None:
    distinct = list(dict.fromkeys(versions))
    if active not in distinct or distinct.index(active) == 0:
        return None
    return distinct[distinct.index(active) - 1]


@cli.command("list")
def list_cmd(bootstrap: Bootstrap = None, topic_prefix: Prefix = None) -> None:
    """Published rulesets with author and time; the active one is marked."""
    settings = settings_from(bootstrap_servers=bootstrap, topic_prefix=topic_prefix)
    artifacts, pointers = asyncio.run(read_state(settings))
    active = pointers["ruleset"].version if "ruleset" in pointers else None
    table = Table(title="published rulesets")
    for column in ("", "version", "author", "published (UTC)", "note"):
        table.add_column(column)
    for record in (a for a in artifacts if a.kind == "ruleset"):
        when = datetime.fromtimestamp(record.published_at_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
        table.add_row("*" if record.version == active else "", record.version, record.author, when, record.note)
    console.print(table)
