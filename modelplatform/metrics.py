"""Ranking metrics for fraud scores, pure numpy.

- `roc_auc`: probability a random fraud outranks a random genuine (ties count one half).
- `average_precision`: Σ (Rₙ - Rₙ₋₁)·Pₙ over distinct score thresholds, high to low (the usual step
  definition, without interpolation).
- `daily_precision_at_k`: what an analyst team with k reviews a day sees: per day, accounts ranked by
  their highest score that day (ties by account id), share of the top k with any fraud that day.
- `recall_at_budget`: share of frauds caught when the top x% of transactions (by score) are alerted.
Undefined values (one class only, no day) are NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass

import numpy as np

from modelplatform.dataset import LabelledSet
from modelplatform.exceptions import MetricsError

DAY_MS = 86_400_000
CHINA_OFFSET_MS = 8 * 3_600_000  # the bank's day runs midnight to midnight Beijing time

Blend = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (rule_score, model_score) → combined


def _check(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y, scores = np.asarray(y).astype(np.int8), np.asarray(scores, dtype=np.float64)
    if y.shape != scores.shape or y.ndim != 1:
        msg = f"labels {y.shape} and scores {scores.shape} must be equal-length vectors"
        raise MetricsError(msg)
    if np.isnan(scores).any():
        msg = f"scores hold {int(np.isnan(scores).sum())} NaN values"
        raise MetricsError(msg)
    return y, scores


def _average_ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_values)) + 1]
    ends = np.r_[starts[1:], len(values)]
    mean_rank = (starts + ends + 1) / 2.0  # 1-based average of positions start+1 … end
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


def roc_auc(y: np.ndarray, scores: np.ndarray) -> float:
    y, scores = _check(y, scores)
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    if pos == 0 or neg == 0:
        return math.nan
    ranks = _average_ranks(scores)
    return float((ranks[y == 1].sum() - pos * (pos + 1) / 2.0) / (pos * neg))


def _threshold_counts(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True and false positives when alerting at each distinct score, high to low."""
    order = np.argsort(-scores, kind="mergesort")
    s, t = scores[order], y[order]
    last_of_group = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tp = np.cumsum(t)[last_of_group].astype(np.float64)
    fp = (last_of_group + 1) - tp
    return tp, fp, s[last_of_group]


def roc_curve(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(false positive rate, true positive rate), starting at (0, 0)."""
    y, scores = _check(y, scores)
    tp, fp, _ = _threshold_counts(y, scores)
    return np.r_[0.0, fp / max(fp[-1], 1.0)], np.r_[0.0, tp / max(tp[-1], 1.0)]


def pr_curve(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(recall, precision) at each distinct threshold, high to low."""
    y, scores = _check(y, scores)
    tp, fp, _ = _threshold_counts(y, scores)
    return tp / max(tp[-1], 1.0), tp / (tp + fp)


def average_precision(y: np.ndarray, scores: np.ndarray) -> float:
    y, scores = _check(y, scores)
    if y.sum() == 0:
        return math.nan
    recall, precision = pr_curve(y, scores)
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def daily_precision_at_k(y: np.ndarray, scores: np.ndarray, account_ids: np.ndarray, event_time_ms: np.ndarray,
                         k: int, *, day_offset_ms: int = CHINA_OFFSET_MS) -> dict[str, float]:
    """Day (epoch day number, as text) → precision of the top-k accounts; divides by min(k, accounts)."""
    y, scores = _check(y, scores)
    if k < 1:
        msg = f"k must be >= 1, got {k}"
        raise MetricsError(msg)
    days = (np.asarray(event_time_ms, dtype=np.int64) + day_offset_ms) // DAY_MS
    per_day: dict[str, float] = {}
    for day in np.unique(days):
        best: dict[str, tuple[float, int]] = {}
        for i in np.flatnonzero(days == day):
            acc = str(account_ids[i])
            score, fraud = best.get(acc, (-math.inf, 0))
            best[acc] = (max(score, float(scores[i])), fraud | int(y[i]))
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))[:k]
        per_day[str(int(day))] = sum(fraud for _, (_, fraud) in ranked) / len(ranked)
    return per_day


def recall_at_budget(y: np.ndarray, scores: np.ndarray, budget: float) -> float:
    """Frauds among the top ceil(budget·n) transactions / all frauds (ties: earlier rows first)."""
    y, scores = _check(y, scores)
    if not 0 < budget <= 1:
        msg = f"budget must be a fraction in (0, 1], got {budget}"
        raise MetricsError(msg)
    if y.sum() == 0:
        return math.nan
    n_alerts = math.ceil(budget * len(y))
    top = np.argsort(-scores, kind="mergesort")[:n_alerts]
    return float(y[top].sum() / y.sum())


@dataclass(frozen=True)
class ScoreMetrics:
    n: int
    frauds: int
    auc: float
    average_precision: float
    precision_at_k: float  # mean over days
    recall_at_budget: float
    k: int
    budget: float

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}


def score_metrics(ds: LabelledSet, scores: np.ndarray, *, k: int, budget: float) -> ScoreMetrics:
    daily = daily_precision_at_k(ds.y, scores, ds.account_ids, ds.event_time_ms, k)
    return ScoreMetrics(
        n=len(ds), frauds=ds.positives, auc=roc_auc(ds.y, scores),
        average_precision=average_precision(ds.y, scores),
        precision_at_k=float(np.mean(list(daily.values()))) if daily else math.nan,
        recall_at_budget=recall_at_budget(ds.y, scores, budget), k=k, budget=budget)


def linear_blend(model_weight: float) -> Blend:
    """combined = w·model + (1 - w)·rules."""
    return lambda rules, model: model_weight * model + (1.0 - model_weight) * rules


def evaluate(ds: LabelledSet, scores: Mapping[str, np.ndarray], *, k: int, budget: float
             ) -> dict[str, ScoreMetrics]:
    """Metrics per named score vector (e.g. model, baseline, rules, combined) on the same rows."""
    return {name: score_metrics(ds, s, k=k, budget=budget) for name, s in scores.items()}


def standard_scores(ds: LabelledSet, model: np.ndarray, baseline: np.ndarray | None, blend: Blend
                    ) -> dict[str, np.ndarray]:
    """The four score vectors a model card compares: model, baseline, rules alone, rules+model blend."""
    out = {"model": model}
    if baseline is not None:
        out["baseline"] = baseline
    out["rules"] = ds.rule_score
    out["combined"] = blend(ds.rule_score, model)
    return out
