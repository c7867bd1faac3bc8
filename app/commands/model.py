"""`fraudstream model …`: the one model CLI. Record a training history, select, train, evaluate, list the
local registry, compare; publish/rollback/list live models.

The offline half (history, select, train, evaluate, registry, compare) reads and writes files; the live
half (publish, rollback, list) goes through the signed control topic, so every worker swaps models
without a restart. Settings are built here, at the entry point, and passed down.
"""

from __future__ import annotations

import asyncio
import getpass
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from app.commands import options as opts
from app.commands.options import Bootstrap, Prefix, settings_from
from app.control.model_deploy import DeployRole, active_version, checked_artifact, previous_version, published_models
from app.control.publish import activate, publish, read_state
from app.exceptions import AppError
from app.model_history import history_from_file, shipped_sources
from app.row_import import DEFAULT_MAX_REJECT_SHARE
from app.timeopts import parse_time_ms
from app.train_options import TrainFlags, resolve
from modelplatform.deploy import NO_MODEL, control_version
from modelplatform.exceptions import PlatformError, RegistryError
from modelplatform.history import record_simulation
from modelplatform.metrics import ScoreMetrics
from modelplatform.quality import QualitySpec, train_on_history
from modelplatform.registry import Registry
from schemas.extras import import_extra
from sim.config import SimConfig
from sim.exceptions import SimError

cli = typer.Typer(help="Train, deploy and compare fraud models (champion/challenger).", no_args_is_help=True)
console = Console()

HistoryDir = Annotated[Path, typer.Option("--history", file_okay=False, help="directory from `model history`")]
DAY_MS = 86_400_000



def _read_optional(path: Path | None) -> str | None:
    return path.read_text(encoding="utf-8") if path is not None else None


def metrics_table(title: str, metrics: dict[str, ScoreMetrics]) -> Table:
    table = Table(title=title)
    for column in ("score", "rows", "frauds", "AUC", "AP", "P@k/day", "recall@budget"):
        table.add_column(column, justify="right" if column != "score" else "left")
    for name, m in metrics.items():
        table.add_row(name, str(m.n), str(m.frauds), f"{m.auc:.4f}", f"{m.average_precision:.4f}",
                      f"{m.precision_at_k:.4f}", f"{m.recall_at_budget:.4f}")
    return table


def _fail(err: Exception) -> typer.Exit:
    """One red line and exit 2, for the errors a user can fix (bad input, impossible windows)."""
    console.print(f"[red]error:[/red] {escape(str(err))}", soft_wrap=True)
    return typer.Exit(2)


@cli.command("history")
def history_cmd(
    days: Annotated[float, typer.Option(min=1 / 24, help="simulated days")] = 28.0,
    customers: Annotated[int, typer.Option(min=10, help="simulated customers")] = 3000,
    seed: Annotated[int, typer.Option(help="simulation seed")] = 7,
    fraud_rate: Annotated[float, typer.Option(min=0.0, max=0.2, help="target share of fraud")] = 0.01,
    world: Annotated[str, typer.Option(help="simulated world: 'bank' (e-banking) or 'cards' (card payments at "
                                            "merchant terminals)")] = "bank",
    input_path: Annotated[Path | None, typer.Option("--input", exists=True, dir_okay=False,
                                                    help="build from this file instead of simulating: simulator "
                                                         "JSONL, or JSONL/CSV/Parquet transactions")] = None,
    mapping: opts.MappingFile = None,
    labels: opts.LabelsFile = None,
    timezone: opts.TimeZone = None,
    max_reject_share: opts.MaxRejectShare = DEFAULT_MAX_REJECT_SHARE,
    dry_run: opts.DryRun = False,
    out: Annotated[Path, typer.Option(file_okay=False, help="output directory")] = Path("var/history"),
    champion: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="champion artifact")] = None,
    challenger: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="challenger artifact")] = None,
) -> None:
    """Decide every transaction with the streaming handlers (a simulation, or --input with --mapping and
    --labels), write decisions + labels JSONL and meta.json (which names the input).

    Without models: the configured rules alone (training data). With --champion/--challenger: decisions
    carry both live scores, the input of `model compare`.
    """
    settings = settings_from()
    try:
        source = opts.file_input(input_path, mapping, labels, timezone, max_reject_share)
        if dry_run:
            raise opts.dry_run_exit(source, console)
        sources = shipped_sources(settings, champion=_read_optional(champion), challenger=_read_optional(challenger))
        if source is None:
            meta = record_simulation(SimConfig(seed=seed, customers=customers, days=days, fraud_rate=fraud_rate,
                                               world=world), out, sources=sources)
        else:
            meta = history_from_file(source, out, sources)
    except (AppError, PlatformError, SimError) as err:
        raise _fail(err) from err
    console.print(f"{meta.decisions} decisions, {meta.labels} labels ({meta.fraud_labels} fraud) from "
                  f"{meta.describe()} in {out}", soft_wrap=True)


@cli.command("train")
def train_cmd(
    history: HistoryDir,
    version: Annotated[str, typer.Option(help="model version to register")],
    name: Annotated[str, typer.Option()] = "fraud-lgbm",
    root: Annotated[Path, typer.Option(help="registry root")] = Path("var/models"),
    eval_days: Annotated[float, typer.Option(help="last days of the history held out for evaluation")] = 7.0,
    train_from: Annotated[str | None, typer.Option("--train-from", help="first training event time (ISO 8601, "
                                                                        "date or epoch ms; default: after the "
                                                                        "warm-up)")] = None,
    train_to: Annotated[str | None, typer.Option("--train-to", help="end of training, exclusive (default: the "
                                                                    "split minus the label delay)")] = None,
    warmup_days: Annotated[float | None, typer.Option(min=0.0, help="first days left out of training (immature "
                                                                    "long-window features) [default: 0]")] = None,
    label_delay_days: Annotated[float | None, typer.Option(
        "--label-delay-days", "--train-gap-days", min=0.0,
        help="days before the split whose labels are not in yet: left out of training [default: 0]")] = None,
    eval_maturity_days: Annotated[float, typer.Option(help="evaluation labels confirmed by end + this")] = 30.0,
    trees: Annotated[int | None, typer.Option(min=1, help="boosting rounds [default: the shipped LgbmParams]")] = None,
    k: Annotated[int, typer.Option(min=1, help="accounts reviewed per day (precision@k)")] = 20,
    budget: Annotated[float, typer.Option(min=0.0, max=1.0, help="alerted share of transactions")] = 0.01,
    policy: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                                help="policy YAML whose blend weights make 'combined' "
                                                     "(default: the configured policy)")] = None,
    settings: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                                  help="`model select` JSON: LightGBM params, warm-up and label "
                                                       "delay; explicit flags win, conflicts are listed")] = None,
    combiner: Annotated[bool, typer.Option("--combiner/--no-combiner",
                                           help="fit the rules+model combiner on out-of-fold training scores "
                                                "and write policy.yaml next to the model (default), or "
                                                "measure the given policy's own blend")] = True,
    folds: Annotated[int, typer.Option(min=2, help="account folds for the out-of-fold scores")] = 4,
    as_json: Annotated[bool, typer.Option("--json", help="print metrics as JSON")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = False,
) -> None:
    """Train LightGBM + logistic baseline on the history's early days (labels known at the split), evaluate
    on the last days next to the rules and the policy's combined score, register model, card and policy."""
    app_settings = settings_from()
    try:
        import_extra("matplotlib", "model train (its ROC/PR charts)")  # before the long run, not after
        knobs = resolve(TrainFlags(trees=trees, warmup_days=warmup_days, label_delay_days=label_delay_days),
                        settings.read_text(encoding="utf-8") if settings is not None else None, f"{settings}")
        spec = QualitySpec(eval_days=eval_days, train_gap_days=knobs.label_delay_days,
                           eval_maturity_days=eval_maturity_days, warmup_days=knobs.warmup_days,
                           train_from_ms=parse_time_ms(train_from), train_to_ms=parse_time_ms(train_to))
        for conflict in knobs.conflicts:
            console.print(f"[yellow]note:[/yellow] {escape(str(conflict))}", soft_wrap=True)
        policy_text = (policy or app_settings.policy_path).read_text(encoding="utf-8")
        result = train_on_history(history, version=version, name=name, spec=spec, registry=Registry(root),
                                  params=knobs.params, k=k, budget=budget, policy_text=policy_text,
                                  fit_combiner=combiner, folds=folds, show_progress=progress)
    except (AppError, PlatformError) as err:
        raise _fail(err) from err
    if as_json:
        typer.echo(json.dumps({n: m.as_dict() for n, m in result.evaluation.metrics.items()}, indent=2))
        return
    console.print(metrics_table(f"{name}/{version} on the last {eval_days:g} days", result.evaluation.metrics))
    console.print(f"artifact {result.path / 'artifact.json' if result.path else '-'}  "
                  f"checksum {result.model.manifest.checksum}")
    if combiner and result.path is not None:
        console.print(f"policy with the fitted combiner {result.path / 'policy.yaml'} "
                      f"(publish it with the model: fraudstream model publish … --policy …)")


@cli.command("evaluate")
def evaluate_cmd(
    history: HistoryDir,
    version: Annotated[str, typer.Option(help="registered model version")],
    name: Annotated[str, typer.Option(help="registered model name")] = "fraud-lgbm",
    root: Annotated[Path, typer.Option(help="registry root")] = Path("var/models"),
    eval_days: Annotated[float, typer.Option(help="evaluate on the last days of the history")] = 7.0,
    eval_maturity_days: Annotated[float, typer.Option(help="labels confirmed by end + this")] = 30.0,
    k: Annotated[int, typer.Option(min=1)] = 20,
    budget: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.01,
    plot: Annotated[Path | None, typer.Option(dir_okay=False, help="write ROC/PR curves to this PNG")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Score a registered model (and its baseline) on a history's last days, next to the rules and the
    policy the model was trained with (its policy.yaml)."""
    from modelplatform.history import HistoryPaths
    from modelplatform.pipeline import BASELINE_FILE, POLICY_FILE, EvalSettings, evaluate_models, write_curves
    from modelplatform.quality import history_split, load_history, policy_blend_from_text
    from risk.model.artifact_io import read_artifact

    try:
        registry = Registry(root)
        model = registry.get(name, version)
        folder = registry.version_dir(name, version)
        baseline = read_artifact(folder / BASELINE_FILE) if (folder / BASELINE_FILE).exists() else None
        policy_path = folder / POLICY_FILE if (folder / POLICY_FILE).exists() else settings_from().policy_path
        paths = HistoryPaths(history)
        split = history_split(paths.read_meta(), *load_history(paths),
                              QualitySpec(eval_days=eval_days, eval_maturity_days=eval_maturity_days))
        blend = policy_blend_from_text(policy_path.read_text(encoding="utf-8"), str(policy_path))
        evaluation = evaluate_models(model, baseline, split.evaluation, EvalSettings(k, budget, blend))
    except (AppError, PlatformError) as err:
        raise _fail(err) from err
    if plot is not None:
        write_curves(split.evaluation, evaluation, plot, f"{name}/{version}")
    if as_json:
        typer.echo(json.dumps({n: m.as_dict() for n, m in evaluation.metrics.items()}, indent=2))
    else:
        console.print(metrics_table(f"{name}/{version} on the last {eval_days:g} days of {history}",
                                    evaluation.metrics))


@cli.command("registry")
def registry_cmd(
    root: Annotated[Path, typer.Option(help="registry root")] = Path("var/models"),
    name: Annotated[str | None, typer.Option(help="only this model name")] = None,
) -> None:
    """Versions in the local registry (what `model train` registered), with champion/challenger marks;
    `model list` shows what is published on the control topic."""
    from modelplatform.registry import Role

    registry = Registry(root)
    table = Table("name", "version", "kind", "role", "checksum", title=f"registry {root}")
    for e in registry.list(name):
        roles = [str(r) for r in Role if registry.pointer(e.name, r) == e.version]
        table.add_row(e.name, e.version, e.kind, ",".join(roles), e.checksum[:19])
    console.print(table)


@cli.command("select")
def select_cmd(
    history: HistoryDir,
    out: Annotated[Path, typer.Option(dir_okay=False, help="selection JSON (input of `train --settings`)")] = Path(
        "var/selection.json"),
    policy_out: Annotated[Path | None, typer.Option(dir_okay=False, help="write the policy with the selected "
                                                                         "combination here")] = None,
    eval_days: Annotated[float, typer.Option(help="last days held out for evaluation (never read here)")] = 7.0,
    val_days: Annotated[float, typer.Option(help="validation days just before the evaluation window")] = 7.0,
    k: Annotated[int, typer.Option(min=1)] = 20,
    budget: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.01,
    policy: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                                help="policy to start from (default: the configured policy)")] = None,
) -> None:
    """Choose LightGBM settings, warm-up/gap days and the rules+model combination on a validation window
    inside the training period (labels as known at its end), by the combined score's average precision."""
    from modelplatform.history import HistoryPaths
    from modelplatform.quality import load_history
    from modelplatform.selection import DEFAULT_STAGES, policy_text_with, select

    settings = settings_from()
    paths = HistoryPaths(history)
    selection = select(paths.read_meta(), *load_history(paths), spec=QualitySpec(eval_days=eval_days),
                       val_days=val_days, stages=DEFAULT_STAGES, k=k, budget=budget)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(selection.to_dict(), indent=2), encoding="utf-8")
    console.print(metrics_table(f"validation ({val_days:g} days before the last {eval_days:g})", selection.metrics))
    console.print(f"selected: {selection.best.candidate.label()}; {selection.best.combination.label()}")
    for note in selection.notes:
        console.print(note)
    if policy_out is not None:
        base = (policy or settings.policy_path).read_text(encoding="utf-8")
        policy_out.parent.mkdir(parents=True, exist_ok=True)
        policy_out.write_text(policy_text_with(base, selection.best.combination), encoding="utf-8")
        console.print(f"policy with the selected combination: {policy_out}")
    console.print(f"settings: {out}")


@cli.command("publish")
def publish_cmd(
    artifact: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="model artifact JSON")],
    role: Annotated[DeployRole, typer.Option(help="champion (acts) or challenger (shadow only)")] = DeployRole.CHAMPION,
    author: Annotated[str, typer.Option(help="who publishes (recorded)")] = getpass.getuser(),
    note: Annotated[str, typer.Option(help="why")] = "",
    policy: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                                help="also publish this decision policy (e.g. the policy.yaml "
                                                     "`model train` wrote with the fitted combiner), first")] = None,
    bootstrap: Bootstrap = None,
    topic_prefix: Prefix = None,
) -> None:
    """Verify the artifact (and policy), publish them and make them active on every worker."""
    from risk.policy import PolicyError, parse_policy

    text = artifact.read_text(encoding="utf-8")
    policy_text = policy.read_text(encoding="utf-8") if policy is not None else None
    try:
        model = checked_artifact(text, str(artifact))
        policy_spec = parse_policy(policy_text, str(policy)) if policy_text is not None else None
    except (RegistryError, PolicyError) as err:
        console.print(f"[red]{escape(str(err))}[/red]\nnothing was published")
        raise typer.Exit(1) from err
    version = control_version(model.key)
    settings = settings_from(bootstrap_servers=bootstrap, topic_prefix=topic_prefix)
    if policy_spec is not None and policy_text is not None:
        asyncio.run(publish(settings, "policy", policy_spec.version, policy_text, author, note))
    asyncio.run(publish(settings, role.kind, version, text, author, note))
    if policy_spec is not None:
        console.print(f"published policy [bold]{policy_spec.version}[/bold]")
    console.print(f"published {role} [bold]{model.key}[/bold] (control version {version})")


@cli.command("rollback")
def rollback_cmd(
    role: Annotated[DeployRole, typer.Option(help="champion or challenger")] = DeployRole.CHAMPION,
    to: Annotated[str | None, typer.Option(help="version (name/version or name:version) or 'none'; "
                                                "default: the one published before the active")] = None,
    author: Annotated[str, typer.Option()] = getpass.getuser(),
    bootstrap: Bootstrap = None,
    topic_prefix: Prefix = None,
) -> None:
    """Point every worker at an earlier model for the role, or at none (rules alone / no shadow model)."""
    settings = settings_from(bootstrap_servers=bootstrap, topic_prefix=topic_prefix)
    artifacts, pointers = asyncio.run(read_state(settings))
    published = published_models(artifacts, pointers, role)
    active = active_version(pointers, role)
    target = control_version(to) if to else previous_version(published, active)
    known = {p.version for p in published}
    if target != NO_MODEL and target not in known:
        console.print(f"[red]unknown {role} version {escape(repr(target))}; published: "
                      f"{escape(', '.join(sorted(known)) or 'none')}")
        raise typer.Exit(1)
    asyncio.run(activate(settings, role.kind, target, author, note=f"rollback from {active}"))
    console.print(f"active {role} is now [bold]{target}[/bold] (was {active})")


@cli.command("list")
def list_cmd(bootstrap: Bootstrap = None, topic_prefix: Prefix = None) -> None:
    """Models published on the control topic per role, with author and time; active ones marked."""
    settings = settings_from(bootstrap_servers=bootstrap, topic_prefix=topic_prefix)
    artifacts, pointers = asyncio.run(read_state(settings))
    table = Table(title="published models")
    for column in ("", "role", "version", "author", "published (UTC)", "note"):
        table.add_column(column)
    for role in DeployRole:
        for p in published_models(artifacts, pointers, role):
            when = datetime.fromtimestamp(p.published_at_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
            table.add_row("*" if p.active else "", str(role), p.version, p.author, when, p.note)
        if active_version(pointers, role) == NO_MODEL:
            table.add_row("*", str(role), NO_MODEL, "", "", "model removed")
    console.print(table)


@cli.command("compare")
def compare_cmd(
    history: HistoryDir,
    cutoff_days: Annotated[float, typer.Option(help="labels confirmed by the history's end + this count")] = 30.0,
    start_day: Annotated[float, typer.Option(help="compare decisions from this day of the history")] = 0.0,
    k: Annotated[int, typer.Option(min=1)] = 20,
    budget: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.01,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Champion vs challenger on labelled decisions carrying both live scores (a history recorded with
    --champion and --challenger, or decisions exported from the live topic in the same layout)."""
    from modelplatform.compare import compare
    from modelplatform.dataset import NO_LIMIT_MS, build_set
    from modelplatform.history import HistoryPaths, day_ms
    from modelplatform.quality import load_history

    paths = HistoryPaths(history)
    meta = paths.read_meta()
    ds = build_set(*load_history(paths), start_ms=day_ms(meta, start_day), end_ms=NO_LIMIT_MS,
                   cutoff_ms=meta.end_ms + int(cutoff_days * DAY_MS))
    report = compare(ds, k=k, budget=budget)
    if report.rows == 0:
        console.print("[red]no decision carries both a champion and a challenger score")
        raise typer.Exit(1)
    typer.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.to_markdown())



if __name__ == "__main__":
    cli()
