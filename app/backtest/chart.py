"""One PNG for a backtest: per-rule precision against hits, and the precision-recall curve of the score."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: must precede pyplot
import matplotlib.pyplot as plt
import numpy as np

from app.backtest.runner import Backtest, Evaluation
from modelplatform.metrics import average_precision, pr_curve

_LABELLED = 8  # rules named on the scatter: the most-hit ones


def _scatter(ax: plt.Axes, run: Evaluation) -> None:
    fired = [s for s in run.rules if s.hits]
    hits = np.array([s.hits for s in fired], dtype=float)
    precision = np.array([0.0 if np.isnan(s.precision) else s.precision for s in fired])
    ax.scatter(hits, precision, s=18 + 120 * np.array([0.0 if np.isnan(s.recall) else s.recall for s in fired]),
               alpha=0.6, c=["grey" if s.shadow_hits == s.hits else "tab:blue" for s in fired])
    for s in sorted(fired, key=lambda s: -s.hits)[:_LABELLED]:
        ax.annotate(s.rule_id, (s.hits, 0.0 if np.isnan(s.precision) else s.precision), fontsize=6,
                    xytext=(3, 3), textcoords="offset points")
    if len(fired):
        ax.set_xscale("log")
    ax.set(xlabel="hits (log)", ylabel="precision", ylim=(-0.02, 1.05),
           title=f"rules of {run.version} (size: recall; grey: shadow)")
    ax.grid(alpha=0.3)


def _pr(ax: plt.Axes, runs: dict[str, Evaluation]) -> None:
    for name, run in runs.items():
        cols = run.columns
        if cols.y.sum() == 0:
            continue
        recall, precision = pr_curve(cols.y, cols.score)
        ax.step(recall, precision, where="post",
                label=f"{name} {run.version} (AP {average_precision(cols.y, cols.score):.3f})")
    ax.set(xlabel="recall", ylabel="precision", title="precision-recall of the decision score", ylim=(0, 1.02))
    ax.legend(loc="best", fontsize=7)
    ax.grid(alpha=0.3)


def plot_backtest(result: Backtest, path: Path) -> Path:
    runs = {"candidate": result.candidate}
    if result.comparison is not None:
        runs["baseline"] = result.comparison.baseline
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    try:
        _scatter(left, result.candidate)
        _pr(right, runs)
        fig.suptitle(f"backtest on {result.source}", fontsize=9)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110, bbox_inches="tight")
    finally:
        plt.close(fig)
    return path
