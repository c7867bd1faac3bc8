from __future__ import annotations

import math

import numpy as np
import pytest

from risk.policy import PolicyError, combine, combine_array, decide, parse_policy
from risk.rules import Hit

BASE = """
version: c1
rule_weight: 0.6
model_weight: 0.4
thresholds:
  - {scope: "", channel: "*", challenge: 0.5, review: 0.7, block: 0.9}
"""
STACKED = parse_policy(BASE + "combiner: {kind: logistic, intercept: -3.0, rule_coef: 2.0, model_coef: 0.8}\n")
LINEAR = parse_policy(BASE)


def _expected(rule: float, model: float) -> float:
    p = min(max(model, 1e-6), 1 - 1e-6)
    return 1 / (1 + math.exp(-(-3.0 + 2.0 * rule + 0.8 * math.log(p / (1 - p)))))


@pytest.mark.parametrize(("rule", "model"), [(0.0, 0.0), (0.45, 0.02), (0.9, 0.999), (1.0, 1.0), (0.3, 1e-9)])
def test_logistic_combiner_is_the_documented_formula_in_decide_and_vectorised(rule, model):
    out = decide([Hit("A", "A_CODE", "ALLOW", rule, 100, False)] if rule else [], model, "11", "mobile", STACKED)
    assert out.score == pytest.approx(_expected(rule, model), rel=1e-12)
    assert combine(STACKED, rule, model) == pytest.approx(float(combine_array(STACKED, [rule], [model])[0]),
                                                          rel=1e-12)


def test_without_a_combiner_the_linear_blend_is_unchanged_and_without_a_model_the_rule_score_rules():
    assert combine(LINEAR, 0.5, 1.0) == pytest.approx(0.7)
    assert combine(STACKED, 0.5, None) == 0.5 == combine(LINEAR, 0.5, None)
    rules, model = np.array([0.0, 0.5, 1.0]), np.array([1.0, 0.25, 1.0])
    assert np.allclose(combine_array(LINEAR, rules, model), [0.4, 0.4, 1.0])


def test_combined_score_rises_with_either_input():
    grid = np.linspace(0, 1, 11)
    for r in grid:
        scores = combine_array(STACKED, np.full(11, r), grid)
        assert np.all(np.diff(scores) > 0)


@pytest.mark.parametrize("bad", ["rule_coef: -1.0, model_coef: 1.0", "rule_coef: 1.0, model_coef: -0.1",
                                 "rule_coef: 1.0, model_coef: 1.0, kind: cubic"])
def test_combiner_with_negative_weights_or_an_unknown_kind_is_rejected(bad):
    with pytest.raises(PolicyError, match="combiner"):
        parse_policy(BASE + f"combiner: {{intercept: 0.0, {bad}}}\n")
