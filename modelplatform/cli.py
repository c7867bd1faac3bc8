"""`python -m modelplatform.cli …`: train, evaluate, list and compare models offline.

Times are ISO-8601 with a zone (e.g. 2024-05-01T00:00:00+08:00). `publish`/`rollback` go through Kafka
and live in the app, not here.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from modelplatform.compare import compare as compare_scores
from modelplatform.dataset import (
    NO_LIMIT_MS,
    SplitSpec,
    Unlabelled,
    build_set,
    parse_decision,
    parse_label,
    time_split,
)
from modelplatform.metrics import ScoreMetrics, linear_blend
from modelplatform.pipeline import BASELINE_FILE, EvalSettings, evaluate_models, train_and_register, write_curves
from modelplatform.records import read_jsonl, to_ms
from modelplatform.registry import Registry, Role
from modelplatform.train import LgbmParams
from risk.model.artifact_io import read_artifact

cli = typer.Typer(help="fraudstream model platform (offline)", no_args_is_help=True)
console = Console()

DecisionsOpt = typer.Option(..., "--decisions", exists=True, dir_okay=False, help="JSONL of Decision records")
LabelsOpt = typer.Option(..., "--labels", exists=True, dir_okay=False, help="JSONL of Label records")
RootOpt = typer.Option(Path("var/models"), "--root", help="registry root")
KOpt = typer.Option(20, "--k", min=1, help="accounts reviewed per day (precision@k)")
BudgetOpt = typer.Option(0.01, "--budget", min=0.0, max=1.0, help="alerted share of transactions")
BlendOpt = typer.Option(0.5, "--blend-weight", min=0.0, max=1.0, help="combined = w·model + (1-w)·rules")
UnlabelledOpt = typer.Option(Unlabelled.GENUINE, "--unlabelled", help="unlabelled rows: genuine or drop")


def _load(decisions: Path, labels: Path) -> tuple[list, list]:
    return ([parse_decision(r) for r in read_jsonl(decisions)], [parse_label(r) for r in read_jsonl(labels)])


def metrics_table(title: str, metrics: dict[str, ScoreMetrics]) -> Table:
    table = Table(title=title)
    for column in ("score", "rows", "frauds", "AUC", "AP", "P@k/day", "recall@budget"):
        table.add_column(column, justify="right" if column != "score" else "left")
    for name, m in metrics.items():
        table.add_row(name, str(m.n), str(m.frauds), f"{m.auc:.4f}", f"{m.average_precision:.4f}",
                      f"{m.precision_at_k:.4f}", f"{m.recall_at_budget:.4f}")
    return table


@cli.command()
def train(
    decisions: Path = DecisionsOpt, labels: Path = LabelsOpt,
    split_time: str = typer.Option(..., help="train before, evaluate from this time"),
    cutoff: str = typer.Option(..., help="training labels: only those confirmed at or before"),
    eval_cutoff: str = typer.Option(..., help="evaluation labels: only those confirmed at or before"),
    eval_end: str | None = typer.Option(None, help="end of the evaluation window (default: no end)"),
    train_start: str | None = typer.Option(None, help="start of the training window (default: all)"),
    name: str = typer.Option("fraud-lgbm"), version: str = typer.Option(...),
    root: Path = RootOpt, unlabelled: Unlabelled = UnlabelledOpt,
    trees: int = typer.Option(LgbmParams.num_trees, min=1), k: int = KOpt, budget: float = BudgetOpt,
    blend_weight: float = BlendOpt, progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Train LightGBM + logistic baseline, evaluate on the later window, register model and card."""
    spec = SplitSpec(split_time_ms=to_ms(split_time), train_cutoff_ms=to_ms(cutoff),
                     eval_cutoff_ms=to_ms(eval_cutoff), eval_end_ms=to_ms(eval_end) if eval_end else NO_LIMIT_MS,
                     train_start_ms=to_ms(train_start) if train_start else -NO_LIMIT_MS, unlabelled=unlabelled)
    split = time_split(*_load(decisions, labels), spec)
    result = train_and_register(
        split, name=name, version=version, registry=Registry(root), params=LgbmParams(num_trees=trees),
        settings=EvalSettings(k=k, budget=budget, blend=linear_blend(blend_weight)), show_progress=progress)
    console.print(metrics_table(f"{name}/{version} on the evaluation window", result.evaluation.metrics))
    console.print(f"saved to {result.path}  checksum {result.model.manifest.checksum}")


@cli.command()
def evaluate(
    decisions: Path = DecisionsOpt, labels: Path = LabelsOpt,
    name: str = typer.Option(...), version: str = typer.Option(...),
    start: str = typer.Option(...), end: str = typer.Option(...),
    cutoff: str = typer.Option(..., help="labels confirmed at or before count"),
    root: Path = RootOpt, unlabelled: Unlabelled = UnlabelledOpt, k: int = KOpt, budget: float = BudgetOpt,
    blend_weight: float = BlendOpt,
    plot: Path | None = typer.Option(None, help="write ROC/PR curves to this PNG"),
    as_json: bool = typer.Option(False, "--json", help="print metrics as JSON"),
) -> None:
    """Score a registered model (and its baseline) on a window, next to the rules and the blend."""
    registry = Registry(root)
    model = registry.get(name, version)
    baseline_path = registry.version_dir(name, version) / BASELINE_FILE
    baseline = read_artifact(baseline_path) if baseline_path.exists() else None
    ds = build_set(*_load(decisions, labels), start_ms=to_ms(start), end_ms=to_ms(end), cutoff_ms=to_ms(cutoff),
                   unlabelled=unlabelled)
    evaluation = evaluate_models(model, baseline, ds, EvalSettings(k, budget, linear_blend(blend_weight)))
    if plot is not None:
        write_curves(ds, evaluation, plot, f"{name}/{version}")
    if as_json:
        typer.echo(json.dumps({n: m.as_dict() for n, m in evaluation.metrics.items()}, indent=2))
    else:
        console.print(metrics_table(f"{name}/{version}, {start} - {end}", evaluation.metrics))


@cli.command("list")
def list_models(root: Path = RootOpt, name: str | None = typer.Option(None)) -> None:
    """Registered versions, with champion/challenger marks."""
    registry = Registry(root)
    table = Table("name", "version", "kind", "role", "checksum")
    for e in registry.list(name):
        roles = [str(r) for r in Role if registry.pointer(e.name, r) == e.version]
        table.add_row(e.name, e.version, e.kind, ",".join(roles), e.checksum[:19])
    console.print(table)


@cli.command()
def compare(
    decisions: Path = DecisionsOpt, labels: Path = LabelsOpt,
    cutoff: str = typer.Option(..., help="labels confirmed at or before count"),
    start: str | None = typer.Option(None), end: str | None = typer.Option(None),
    unlabelled: Unlabelled = UnlabelledOpt, k: int = KOpt, budget: float = BudgetOpt,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Champion (`model_score`) vs challenger (`challenger_score`) on labelled live decisions."""
    ds = build_set(*_load(decisions, labels), start_ms=to_ms(start) if start else -NO_LIMIT_MS,
                   end_ms=to_ms(end) if end else NO_LIMIT_MS, cutoff_ms=to_ms(cutoff), unlabelled=unlabelled)
    report = compare_scores(ds, k=k, budget=budget)
    typer.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.to_markdown())


if __name__ == "__main__":
    cli()
