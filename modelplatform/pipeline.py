"""Train → evaluate → card → registry: the steps `cli train` and `cli evaluate` compose."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import structlog

from modelplatform.card import ModelCard
from modelplatform.dataset import LabelledSet, Split
from modelplatform.features import model_features
from modelplatform.metrics import Blend, ScoreMetrics, evaluate, linear_blend, standard_scores
from modelplatform.registry import Registry
from modelplatform.train import LgbmParams, train_lgbm, train_logistic
from risk.model.artifact import ModelArtifact
from risk.model.artifact_io import write_artifact
from risk.model.scorer import Scorer

log = structlog.get_logger(__name__)

BASELINE_FILE = "baseline.json"
CURVES_FILE = "curves.png"
POLICY_FILE = "policy.yaml"  # the policy whose combined score the card reports


@dataclass(frozen=True)
class EvalSettings:
    k: int = 20  # accounts an analyst team reviews per day
    budget: float = 0.01  # share of transactions that may be alerted
    blend: Blend = field(default_factory=lambda: linear_blend(0.5))


@dataclass(frozen=True)
class Evaluation:
    scores: dict[str, np.ndarray]
    metrics: dict[str, ScoreMetrics]


@dataclass(frozen=True)
class TrainingResult:
    model: ModelArtifact
    baseline: ModelArtifact
    card: ModelCard
    evaluation: Evaluation
    path: Path | None
    policy_text: str | None = None  # the policy "combined" was measured with, when training made one


def score_set(artifact: ModelArtifact, ds: LabelledSet) -> np.ndarray:
    return Scorer.from_artifact(artifact).score_batch(list(ds.features))


def evaluate_models(model: ModelArtifact, baseline: ModelArtifact | None, ds: LabelledSet,
                    settings: EvalSettings) -> Evaluation:
    """model, baseline, rules alone and the rules+model blend, on the same rows."""
    base = score_set(baseline, ds) if baseline is not None else None
    scores = standard_scores(ds, score_set(model, ds), base, settings.blend)
    return Evaluation(scores, evaluate(ds, scores, k=settings.k, budget=settings.budget))


def write_curves(ds: LabelledSet, evaluation: Evaluation, path: Path, title: str) -> Path | None:
    """PNG of the curves, when the window has both classes (curves are undefined otherwise)."""
    if not 0 < ds.positives < len(ds):
        return None
    from modelplatform.plots import plot_curves  # matplotlib is the [tools] extra: only when a chart is drawn

    return plot_curves(ds.y, evaluation.scores, path, title=title)


def train_and_register(split: Split, *, name: str, version: str, registry: Registry | None,
                       params: LgbmParams = LgbmParams(), settings: EvalSettings = EvalSettings(),
                       show_progress: bool = False, notes: Iterable[str] = ()) -> TrainingResult:
    """Train both models on `split.train`, measure on `split.evaluation`, save model, card and curves."""
    model = train_lgbm(split.train, name=name, version=version, feature_names=model_features(), params=params,
                       show_progress=show_progress)
    baseline = train_logistic(split.train, name=f"{name}-baseline", version=version,
                              feature_names=model_features(include_categoricals=False),
                              show_progress=show_progress)
    evaluation = evaluate_models(model, baseline, split.evaluation, settings)
    model = model.with_metrics({f"eval.{scorer}.{key}": value for scorer, m in evaluation.metrics.items()
                                for key, value in m.as_dict().items()})
    card = ModelCard.build(model, split.train, split.evaluation, evaluation.metrics, notes=list(notes))
    path = None
    if registry is not None:
        path = registry.save(model, card)
        write_artifact(baseline, path / BASELINE_FILE)
        write_curves(split.evaluation, evaluation, path / CURVES_FILE, f"{name}/{version}")
    log.info("model_trained", model=f"{name}/{version}", path=str(path))
    return TrainingResult(model, baseline, card, evaluation, path)
