from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import pytest

from modelplatform.combiner import fit_combiner
from modelplatform.exceptions import DatasetError, TrainingError
from modelplatform.history import HistoryMeta, day_ms
from modelplatform.quality import QualitySpec
from modelplatform.selection import Candidate, Combination, policy_text_with, read_settings, validation_windows
from modelplatform.train import LgbmParams
from risk.policy import Combiner, parse_policy

POLICY = """version: p
rule_weight: 0.6
model_weight: 0.4
thresholds:
  - {scope: "", channel: "*", challenge: 0.5, review: 0.7, block: 0.9}
"""
META = HistoryMeta(seed=1, customers=10, days=28.0, start_ms=0, end_ms=28 * 86_400_000, transactions=0,
                   decisions=0, labels=0, fraud_labels=0, dead_letters=0, ruleset_version=None,
                   model_version=None, challenger_version=None)


def _synthetic(a: float, b: float, c: float, n: int = 20_000, seed: int = 3):
    rng = np.random.default_rng(seed)
    rules = rng.choice([0.0, 0.3, 0.6, 0.9], n)
    model = 1 / (1 + np.exp(-rng.normal(-4, 2, n)))
    z = a + b * rules + c * np.log(model / (1 - model))
    return rules, model, (rng.random(n) < 1 / (1 + np.exp(-z))).astype(np.int8)


def test_fit_combiner_recovers_the_generating_coefficients():
    fitted = fit_combiner(*_synthetic(-1.0, 2.0, 0.7))
    assert (fitted.intercept, fitted.rule_coef, fitted.model_coef) == pytest.approx((-1.0, 2.0, 0.7), abs=0.25)


def test_fit_combiner_drops_an_input_whose_weight_would_be_negative():
    fitted = fit_combiner(*_synthetic(-1.0, -2.0, 0.7))
    assert fitted.rule_coef == 0.0 and fitted.model_coef > 0.3
    with pytest.raises(TrainingError):
        fit_combiner(np.zeros(5), np.full(5, 0.1), np.zeros(5))


def test_validation_windows_end_where_evaluation_starts_and_fit_labels_stop_at_validation_start():
    w = validation_windows(META, QualitySpec(eval_days=7), 7.0, Candidate(warmup_days=3.0, gap_days=1.0))
    assert w == {"fit_start": day_ms(META, 3), "fit_end": day_ms(META, 13), "val_start": day_ms(META, 14),
                 "val_end": day_ms(META, 21)}
    with pytest.raises(DatasetError):
        validation_windows(META, QualitySpec(eval_days=7), 7.0, Candidate(warmup_days=14.0))


def test_selected_settings_and_combination_round_trip_into_training_and_the_policy():
    params = LgbmParams(num_trees=123, num_leaves=7)
    text = json.dumps({"settings": {**asdict(params), "warmup_days": 2.0, "gap_days": 1.0}})
    assert read_settings(text) == (params, 2.0, 1.0)
    stacked = Combination("logistic", combiner=Combiner(intercept=-2.0, rule_coef=1.5, model_coef=0.9))
    assert parse_policy(policy_text_with(POLICY, stacked)).combiner == stacked.combiner
    linear = parse_policy(policy_text_with(POLICY, Combination("linear", model_weight=0.8), version="p2"))
    assert (linear.version, linear.rule_weight, linear.model_weight, linear.combiner) == ("p2", 0.2, 0.8, None)
