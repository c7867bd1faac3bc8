"""Choose model settings and the rules+model combination on a validation window inside the training period.

The evaluation window (the last `eval_days`) is never read here. With the history's days laid out as

    [warm-up | fit ............ | gap | validation (val_days) | evaluation (eval_days)]
                                      ^ fit labels known here  ^ validation labels known here (= split)

each candidate is fitted on [warm-up, validation start - gap) with labels confirmed by the validation
start, and scored on the validation window with labels confirmed by its end: the moment the final model
is trained, so label delay is respected exactly as it will be for the final model. On the validation
predictions of each candidate, the combinations are compared: the linear policy blend for every model
weight of a grid, and the logistic combiner (`risk.policy.combine`) fitted on those predictions. The
candidate and combination with the best validation average precision of the combined score win; ties go
to the earlier candidate (simpler settings come first).

Candidates are searched stage by stage (coordinate search): each stage varies a few settings around the
best so far, which keeps the number of fits small.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import structlog

from modelplatform.combiner import fit_combiner
from modelplatform.dataset import DecisionRecord, LabelledSet, LabelRecord, Split, build_set
from modelplatform.exceptions import DatasetError
from modelplatform.features import model_features
from modelplatform.history import HistoryMeta, day_ms
from modelplatform.metrics import ScoreMetrics, average_precision, score_metrics
from modelplatform.pipeline import score_set
from modelplatform.quality import QualitySpec, policy_yaml
from modelplatform.train import LgbmParams, train_lgbm, train_logistic
from risk.policy import Combiner, PolicySpec, Thresholds, combine_array, parse_policy

log = structlog.get_logger(__name__)

LINEAR_WEIGHTS = tuple(round(0.1 * i, 1) for i in range(11))  # model weight of the linear blend
# A policy that only combines scores: comparing combinations reads no thresholds, but a PolicySpec needs them.
_SCORING_ONLY = PolicySpec(version="selection", thresholds=(Thresholds(challenge=0.5, review=0.7, block=0.9),))


@dataclass(frozen=True)
class Candidate:
    params: LgbmParams = field(default_factory=LgbmParams)
    warmup_days: float = 0.0
    gap_days: float = 0.0

    def label(self) -> str:
        p = self.params
        return (f"leaves={p.num_leaves} trees={p.num_trees} lr={p.learning_rate} min_leaf={p.min_data_in_leaf} "
                f"ff={p.feature_fraction} l2={p.lambda_l2} warmup={self.warmup_days:g} gap={self.gap_days:g}")

    def with_settings(self, settings: Mapping[str, Any]) -> Candidate:
        """A copy with some fields changed: LgbmParams fields or warmup_days / gap_days."""
        own = {k: v for k, v in settings.items() if k in ("warmup_days", "gap_days")}
        params = {k: v for k, v in settings.items() if k not in own}
        return replace(self, params=replace(self.params, **params), **own)


@dataclass(frozen=True)
class Combination:
    """How rules and model are combined: `linear` (policy weights) or `logistic` (fitted combiner)."""

    form: str
    model_weight: float | None = None
    combiner: Combiner | None = None

    def label(self) -> str:
        if self.form == "linear":
            return f"linear w_model={self.model_weight}"
        c = self.combiner
        assert c is not None
        return f"logistic a={c.intercept:.3f} b_rules={c.rule_coef:.3f} c_model={c.model_coef:.3f}"

    def policy(self, base: PolicySpec) -> PolicySpec:
        """`base` with this combination in place of its own (thresholds and the rest unchanged)."""
        if self.form == "linear":
            assert self.model_weight is not None
            return base.model_copy(update={"combiner": None, "model_weight": self.model_weight,
                                           "rule_weight": round(1.0 - self.model_weight, 10)})
        return base.model_copy(update={"combiner": self.combiner})

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"form": self.form}
        if self.model_weight is not None:
            out["model_weight"] = self.model_weight
        if self.combiner is not None:
            out["combiner"] = self.combiner.model_dump()
        return out


@dataclass(frozen=True)
class Trial:
    candidate: Candidate
    combination: Combination
    validation_ap: float  # of the combined score
    model_ap: float
    baseline_ap: float
    rules_ap: float


@dataclass(frozen=True)
class Selection:
    best: Trial
    trials: list[Trial]
    metrics: dict[str, ScoreMetrics]  # of the best candidate on the validation window
    windows: dict[str, int]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "settings": {**asdict(self.best.candidate.params), "warmup_days": self.best.candidate.warmup_days,
                         "gap_days": self.best.candidate.gap_days},
            "combination": self.best.combination.as_dict(),
            "validation": {name: m.as_dict() for name, m in self.metrics.items()},
            "windows": self.windows,
            "trials": [{"candidate": t.candidate.label(), "combination": t.combination.label(),
                        "combined_ap": t.validation_ap, "model_ap": t.model_ap, "baseline_ap": t.baseline_ap,
                        "rules_ap": t.rules_ap} for t in self.trials],
            "notes": self.notes,
        }


def validation_windows(meta: HistoryMeta, spec: QualitySpec, val_days: float, candidate: Candidate
                       ) -> dict[str, int]:
    """Epoch-ms bounds: fit [fit_start, fit_end) labelled at val_start; validate [val_start, val_end)
    labelled at val_end, where val_end is the evaluation split (nothing at or after it is read)."""
    val_end = day_ms(meta, meta.days - spec.eval_days)
    val_start = day_ms(meta, meta.days - spec.eval_days - val_days)
    fit_end = day_ms(meta, meta.days - spec.eval_days - val_days - candidate.gap_days)
    fit_start = day_ms(meta, candidate.warmup_days)
    if not meta.start_ms <= fit_start < fit_end <= val_start < val_end:
        msg = (f"a {meta.days}-day history cannot hold {candidate.warmup_days} warm-up, {candidate.gap_days} gap, "
               f"{val_days} validation and {spec.eval_days} evaluation days")
        raise DatasetError(msg)
    return {"fit_start": fit_start, "fit_end": fit_end, "val_start": val_start, "val_end": val_end}


def validation_split(meta: HistoryMeta, decisions: Sequence[DecisionRecord], labels: Sequence[LabelRecord],
                     spec: QualitySpec, val_days: float, candidate: Candidate) -> Split:
    w = validation_windows(meta, spec, val_days, candidate)
    fit = build_set(decisions, labels, start_ms=w["fit_start"], end_ms=w["fit_end"], cutoff_ms=w["val_start"],
                    unlabelled=spec.unlabelled)
    val = build_set(decisions, labels, start_ms=w["val_start"], end_ms=w["val_end"], cutoff_ms=w["val_end"],
                    unlabelled=spec.unlabelled)
    return Split(fit, val)


def best_combination(ds: LabelledSet, model: np.ndarray, weights: Iterable[float] = LINEAR_WEIGHTS
                     ) -> tuple[Combination, float]:
    """The combination with the highest AP on `ds`: each linear weight, then the fitted logistic combiner
    (a later form replaces an earlier one only when strictly better)."""
    best: tuple[Combination, float] = (Combination("linear", model_weight=0.0), -math.inf)
    options = [Combination("linear", model_weight=w) for w in weights]
    options.append(Combination("logistic", combiner=fit_combiner(
        ds.rule_score, model, ds.y, fitted_on=f"validation [{ds.start_ms}, {ds.end_ms}) labels by {ds.cutoff_ms}")))
    for option in options:
        ap = average_precision(ds.y, combine_array(option.policy(_SCORING_ONLY), ds.rule_score, model))
        if ap > best[1]:
            best = (option, ap)
    return best


def select(meta: HistoryMeta, decisions: Sequence[DecisionRecord], labels: Sequence[LabelRecord], *,
           spec: QualitySpec = QualitySpec(), val_days: float = 7.0,
           stages: Sequence[Sequence[Mapping[str, Any]]] = (), start: Candidate = Candidate(),
           k: int = 20, budget: float = 0.01) -> Selection:
    """Coordinate search over `stages` (each a list of setting changes tried around the best so far)."""
    splits: dict[tuple[float, float], Split] = {}
    baselines: dict[tuple[float, float], np.ndarray] = {}
    trials: list[Trial] = []
    seen: dict[Candidate, Trial] = {}

    def run(candidate: Candidate) -> Trial:
        if candidate in seen:
            return seen[candidate]
        key = (candidate.warmup_days, candidate.gap_days)
        if key not in splits:
            splits[key] = validation_split(meta, decisions, labels, spec, val_days, candidate)
            base = train_logistic(splits[key].train, name="selection-baseline", version="val",
                                  feature_names=model_features(include_categoricals=False), created_at_ms=0)
            baselines[key] = score_set(base, splits[key].evaluation)
        split = splits[key]
        model = score_set(train_lgbm(split.train, name="selection", version="val", feature_names=model_features(),
                                     params=candidate.params, created_at_ms=0), split.evaluation)
        combination, ap = best_combination(split.evaluation, model)
        val = split.evaluation
        trial = Trial(candidate, combination, ap, average_precision(val.y, model),
                      average_precision(val.y, baselines[key]), average_precision(val.y, val.rule_score))
        log.info("selection.trial", candidate=candidate.label(), combination=combination.label(),
                 combined_ap=round(ap, 4), model_ap=round(trial.model_ap, 4))
        seen[candidate] = trial
        trials.append(trial)
        return trial

    best = run(start)
    for stage in stages:
        for change in stage:
            trial = run(best.candidate.with_settings(change))
            if trial.validation_ap > best.validation_ap:
                best = trial
    # the winner's validation metrics, next to the baseline and the rules, for the report
    key = (best.candidate.warmup_days, best.candidate.gap_days)
    split = splits[key]
    model = score_set(train_lgbm(split.train, name="selection", version="val", feature_names=model_features(),
                                 params=best.candidate.params, created_at_ms=0), split.evaluation)
    scores = {"model": model, "baseline": baselines[key], "rules": split.evaluation.rule_score,
              "combined": combine_array(best.combination.policy(_SCORING_ONLY), split.evaluation.rule_score, model)}
    metrics = {name: score_metrics(split.evaluation, s, k=k, budget=budget) for name, s in scores.items()}
    windows = validation_windows(meta, spec, val_days, best.candidate)
    notes = [f"validation window [{windows['val_start']}, {windows['val_end']}) with labels confirmed by "
             f"{windows['val_end']}: {len(split.evaluation)} rows, {split.evaluation.positives} known frauds",
             f"{len(trials)} candidates tried; the evaluation window (from {windows['val_end']}) was not read"]
    return Selection(best, trials, metrics, windows, notes)


DEFAULT_STAGES: tuple[tuple[dict[str, Any], ...], ...] = (
    # capacity: smaller / larger trees, more evidence per leaf
    ({"num_leaves": 7}, {"num_leaves": 15}, {"num_leaves": 63}),
    ({"min_data_in_leaf": 50}, {"min_data_in_leaf": 100}, {"min_data_in_leaf": 10}),
    # regularisation and column sampling
    ({"lambda_l2": 10.0}, {"lambda_l2": 0.0}, {"feature_fraction": 0.5}),
    # boosting length / step
    ({"num_trees": 400, "learning_rate": 0.025}, {"num_trees": 100, "learning_rate": 0.1},
     {"num_trees": 400}),
    # data windows: drop the immature warm-up days, leave out the freshest (mostly unreported) rows
    ({"warmup_days": 3.0}, {"warmup_days": 7.0}, {"gap_days": 1.0}, {"gap_days": 3.0}),
)


def read_settings(text: str) -> tuple[LgbmParams, float, float]:
    """(LightGBM params, warm-up days, gap days) from a `model select` JSON."""
    settings = dict(json.loads(text)["settings"])
    warmup, gap = float(settings.pop("warmup_days", 0.0)), float(settings.pop("gap_days", 0.0))
    return LgbmParams(**settings), warmup, gap


def policy_text_with(policy_text: str, combination: Combination, version: str | None = None) -> str:
    """The policy document with the selected combination (YAML; comments are not kept)."""
    policy = combination.policy(parse_policy(policy_text))
    if version is not None:
        policy = policy.model_copy(update={"version": version})
    return policy_yaml(policy)
