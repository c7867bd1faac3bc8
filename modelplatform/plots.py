"""ROC and precision-recall curves as a PNG (matplotlib, headless Agg backend)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on servers; must precede pyplot
import matplotlib.pyplot as plt
import numpy as np

from modelplatform.metrics import average_precision, pr_curve, roc_auc, roc_curve


def plot_curves(y: np.ndarray, scores: Mapping[str, np.ndarray], path: Path, *, title: str = "") -> Path:
    """ROC (left) and PR (right) for each named score on the same labels."""
    fig, (roc_ax, pr_ax) = plt.subplots(1, 2, figsize=(11, 4.5))
    try:
        for name, s in scores.items():
            fpr, tpr = roc_curve(y, s)
            roc_ax.plot(fpr, tpr, label=f"{name} (AUC {roc_auc(y, s):.3f})")
            recall, precision = pr_curve(y, s)
            pr_ax.step(recall, precision, where="post", label=f"{name} (AP {average_precision(y, s):.3f})")
        roc_ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
        roc_ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
        pr_ax.axhline(float(np.mean(y)) if len(y) else 0.0, color="grey", linestyle=":", linewidth=1)
        pr_ax.set(xlabel="recall", ylabel="precision", title="Precision-recall", ylim=(0, 1.02))
        for ax in (roc_ax, pr_ax):
            ax.legend(loc="best", fontsize=8)
            ax.grid(alpha=0.3)
        if title:
            fig.suptitle(title)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110, bbox_inches="tight")
    finally:
        plt.close(fig)
    return path
