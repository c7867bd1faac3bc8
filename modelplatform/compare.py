"""Champion vs challenger on the decisions that carry both live scores and a label known by the cut-off.

Both models scored the same traffic at the same moment (the challenger in shadow), so this comparison is
free of replay differences; it answers "would promoting the challenger have caught more, and how much
would the alert queue change?".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from modelplatform.dataset import LabelledSet
from modelplatform.metrics import ScoreMetrics, score_metrics


@dataclass(frozen=True)
class Comparison:
    rows: int
    frauds: int
    champion: ScoreMetrics
    challenger: ScoreMetrics
    score_correlation: float
    alert_overlap: float  # Jaccard of the two top-budget alert sets

    def to_dict(self) -> dict[str, object]:
        return {"rows": self.rows, "frauds": self.frauds, "champion": self.champion.as_dict(),
                "challenger": self.challenger.as_dict(), "score_correlation": self.score_correlation,
                "alert_overlap": self.alert_overlap}

    def to_markdown(self) -> str:
        keys = ("auc", "average_precision", "precision_at_k", "recall_at_budget")
        lines = [f"# Champion vs challenger ({self.rows} decisions, {self.frauds} frauds)", "",
                 "| metric | champion | challenger | Δ |", "|---|---|---|---|"]
        for key in keys:
            a, b = getattr(self.champion, key), getattr(self.challenger, key)
            lines.append(f"| {key} | {a:.4f} | {b:.4f} | {b - a:+.4f} |")
        lines += ["", f"- score correlation: {self.score_correlation:.4f}",
                  f"- alert overlap at {self.champion.budget:.2%} budget (Jaccard): {self.alert_overlap:.4f}"]
        return "\n".join(lines)


def _top(scores: np.ndarray, budget: float) -> set[int]:
    n = math.ceil(budget * len(scores))
    return set(np.argsort(-scores, kind="mergesort")[:n].tolist())


def compare(ds: LabelledSet, *, k: int, budget: float) -> Comparison:
    """Metrics of both live scores on the rows where both exist."""
    both = ~np.isnan(ds.model_score) & ~np.isnan(ds.challenger_score)
    sub = ds.subset(both)
    champion, challenger = sub.model_score, sub.challenger_score
    a, b = _top(champion, budget), _top(challenger, budget)
    correlation = float(np.corrcoef(champion, challenger)[0, 1]) if len(sub) > 1 else math.nan
    return Comparison(rows=len(sub), frauds=sub.positives,
                      champion=score_metrics(sub, champion, k=k, budget=budget),
                      challenger=score_metrics(sub, challenger, k=k, budget=budget),
                      score_correlation=correlation, alert_overlap=len(a & b) / max(len(a | b), 1))
