"""The quality bar on a recorded history: train on the early weeks, judge on the last one, as deployed.

Label delay is respected twice over:
- training sees only labels confirmed by the split time (the moment the model is trained); the freshest
  training rows, whose fraud is mostly not yet reported, can be left out (`train_gap_days`) rather than
  taught as genuine;
- the evaluation window is judged with the labels known `eval_maturity_days` after it ends (the bank
  evaluates in hindsight, once complaints, analyst verdicts and chargebacks have come in).

"combined" is the score the policy actually acts on (`risk.policy.combine`). By default training fits
the policy's logistic combiner of rule score and model score on out-of-fold scores of the training window
(`modelplatform.crossfit`), writes the policy with it next to the model (`policy.yaml`, published with
`fraudstream model publish --policy`), and measures "combined" with exactly that policy. With
`fit_combiner=False` it is the given policy's own form and coefficients, unchanged.

The first `warmup_days` of a history can be left out of training: their 7- and 30-day features are
immature (every account looks new), unlike anything the model will score later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from modelplatform.crossfit import DEFAULT_FOLDS, cross_fitted_combiner
from modelplatform.dataset import (
    DecisionRecord,
    LabelRecord,
    Split,
    Unlabelled,
    build_set,
    parse_decision,
    parse_label,
)
from modelplatform.deploy import control_version
from modelplatform.exceptions import DatasetError
from modelplatform.features import model_features
from modelplatform.history import HistoryMeta, HistoryPaths, day_ms
from modelplatform.metrics import Blend
from modelplatform.pipeline import POLICY_FILE, EvalSettings, TrainingResult, train_and_register
from modelplatform.records import ms_to_iso, read_jsonl
from modelplatform.registry import Registry
from modelplatform.train import LgbmParams
from risk.policy import Combiner, combine_array, parse_policy
from risk.policy.model import PolicySpec


def policy_blend(policy: PolicySpec) -> Blend:
    """The policy's own rules+model score, vectorised (same formula as `risk.policy.decide`)."""
    return lambda rules, model: combine_array(policy, rules, model)


def describe_blend(policy: PolicySpec) -> str:
    c = policy.combiner
    if c is None:
        return f"combined = {policy.rule_weight}*rules + {policy.model_weight}*model (policy {policy.version})"
    return (f"combined = sigmoid({c.intercept:.4g} + {c.rule_coef:.4g}*rules + {c.model_coef:.4g}*logit(model)) "
            f"(policy {policy.version}; {c.fitted_on or 'fitted offline'})")


def policy_blend_from_text(text: str, source: str = "<policy>") -> Blend:
    return policy_blend(parse_policy(text, source))


@dataclass(frozen=True)
class QualitySpec:
    eval_days: float = 7.0  # the last `eval_days` of the history are the evaluation window
    train_gap_days: float = 0.0  # immature training rows left out just before the split
    eval_maturity_days: float = 30.0  # evaluation labels: those confirmed by eval end + this
    unlabelled: Unlabelled = Unlabelled.GENUINE
    warmup_days: float = 0.0  # first days left out of training (immature long-window features)
    train_from_ms: int | None = None  # explicit training start (wins over the warm-up when later)
    train_to_ms: int | None = None  # explicit training end (wins over split - gap when earlier)

    def train_start(self, meta: HistoryMeta) -> int:
        start = day_ms(meta, self.warmup_days)
        return start if self.train_from_ms is None else max(start, self.train_from_ms)

    def windows(self, meta: HistoryMeta) -> tuple[int, int, int, int]:
        """(train end, split, eval end, eval cut-off) in epoch ms."""
        split = day_ms(meta, meta.days - self.eval_days)
        train_end = day_ms(meta, meta.days - self.eval_days - self.train_gap_days)
        if self.train_to_ms is not None:
            if self.train_to_ms > train_end:
                msg = (f"--train-to {ms_to_iso(self.train_to_ms)} is after the last trainable time "
                       f"{ms_to_iso(train_end)} (split minus the label delay); move it earlier or shorten "
                       "--eval-days / --label-delay-days")
                raise DatasetError(msg)
            train_end = self.train_to_ms
        if not meta.start_ms < train_end <= split < meta.end_ms:
            msg = (f"a {meta.days:g}-day history cannot hold {self.eval_days:g} evaluation days after a "
                   f"{self.train_gap_days:g}-day label delay")
            raise DatasetError(msg)
        if self.train_start(meta) >= train_end:
            msg = (f"training would start at {ms_to_iso(self.train_start(meta))} (warm-up / --train-from) and end "
                   f"at {ms_to_iso(train_end)}: no training rows")
            raise DatasetError(msg)
        return train_end, split, meta.end_ms, meta.end_ms + int(self.eval_maturity_days * 86_400_000)


def load_history(paths: HistoryPaths) -> tuple[list[DecisionRecord], list[LabelRecord]]:
    return ([parse_decision(r) for r in read_jsonl(paths.decisions)],
            [parse_label(r) for r in read_jsonl(paths.labels)])


def history_split(meta: HistoryMeta, decisions: Iterable[DecisionRecord], labels: Iterable[LabelRecord],
                  spec: QualitySpec) -> Split:
    """Train [start + warm-up, split - gap) with labels known at the split; evaluate [split, end) in hindsight."""
    decisions, labels = list(decisions), list(labels)
    train_end, split, end, eval_cutoff = spec.windows(meta)
    train = build_set(decisions, labels, start_ms=spec.train_start(meta), end_ms=train_end, cutoff_ms=split,
                      unlabelled=spec.unlabelled)
    evaluation = build_set(decisions, labels, start_ms=split, end_ms=end, cutoff_ms=eval_cutoff,
                           unlabelled=spec.unlabelled)
    return Split(train, evaluation)


def policy_with_combiner(policy: PolicySpec, combiner: Combiner, model_key: str) -> PolicySpec:
    """`policy` acting on `combiner`, versioned after the model it was fitted for (in control-topic form)."""
    return policy.model_copy(update={"combiner": combiner,
                                     "version": f"{policy.version}+{control_version(model_key)}"})


def policy_yaml(policy: PolicySpec) -> str:
    """The policy as a YAML document that `parse_policy` reads back to the same object."""
    raw = policy.model_dump(mode="json", exclude_none=True)
    raw["thresholds"] = [dict(t) for t in raw["thresholds"]]
    text = yaml.safe_dump(raw, sort_keys=False)
    if parse_policy(text) != policy:
        msg = f"policy {policy.version} does not round-trip through YAML"
        raise DatasetError(msg)
    return text


def train_on_history(root: Path, *, version: str, policy_text: str, name: str = "fraud-lgbm",
                     spec: QualitySpec = QualitySpec(), registry: Registry | None = None,
                     params: LgbmParams = LgbmParams(), k: int = 20, budget: float = 0.01, fit_combiner: bool = True,
                     folds: int = DEFAULT_FOLDS, show_progress: bool = False) -> TrainingResult:
    """Train model + baseline on a history directory and measure them next to rules and the policy's
    combined score (with a combiner cross-fitted on the training window unless `fit_combiner` is off).
    `policy_text` is the policy to start from (the entry point reads the shipped one from its settings)."""
    paths = HistoryPaths(root)
    meta = paths.read_meta()
    split = history_split(meta, *load_history(paths), spec)
    policy = parse_policy(policy_text)
    if fit_combiner:
        combiner = cross_fitted_combiner(split.train, feature_names=model_features(), params=params, folds=folds)
        policy = policy_with_combiner(policy, combiner, f"{name}/{version}")
    train_end, split_ms, _, eval_cutoff = spec.windows(meta)
    notes = [f"history {root}: {meta.describe()}, {meta.transactions} transactions over {meta.days:.1f} days",
             f"train rows from {ms_to_iso(spec.train_start(meta))} before {ms_to_iso(train_end)} with labels "
             f"confirmed by {ms_to_iso(split_ms)}; evaluation from {ms_to_iso(split_ms)} with labels confirmed by "
             f"{ms_to_iso(eval_cutoff)}",
             describe_blend(policy)]
    result = train_and_register(split, name=name, version=version, registry=registry, params=params,
                                settings=EvalSettings(k=k, budget=budget, blend=policy_blend(policy)),
                                show_progress=show_progress, notes=notes)
    text = policy_yaml(policy)
    if result.path is not None:
        (result.path / POLICY_FILE).write_text(text, encoding="utf-8")
    return replace(result, policy_text=text)
