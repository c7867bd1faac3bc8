"""How the rule score and the model score become the one score the thresholds act on.

Two forms, both data in the policy document:

- linear (default, no `combiner` block): `clip(rule_weight·rule_score + model_weight·model_score, 0, 1)`;
- logistic (`combiner: {kind: logistic, ...}`): a calibrated stack of the two scores,

      score = sigmoid(intercept + rule_coef·rule_score + model_coef·logit(clip(model_score, eps, 1 - eps)))

  whose coefficients are fitted offline on a validation window (`modelplatform.combiner`). Both
  coefficients are non-negative, so the score never falls when either input rises.

Without a model score the score is the rule score in both forms (rules-only deployments are unchanged).
`combine` is the streaming path (one decision, `math`); `combine_array` is the same formula vectorised for
offline evaluation, so the offline "combined" score is the score the live policy acts on.
"""

from __future__ import annotations

import math

import numpy as np

from risk.policy.model import PolicySpec


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def combine(policy: PolicySpec, rule_score: float, model_score: float | None) -> float:
    """The policy's score for one decision, in [0, 1]."""
    if model_score is None:
        return rule_score
    c = policy.combiner
    if c is None:
        return min(max(policy.rule_weight * rule_score + policy.model_weight * model_score, 0.0), 1.0)
    p = min(max(model_score, c.eps), 1.0 - c.eps)
    return _sigmoid(c.intercept + c.rule_coef * rule_score + c.model_coef * math.log(p / (1.0 - p)))


def combine_array(policy: PolicySpec, rule_score: np.ndarray, model_score: np.ndarray) -> np.ndarray:
    """`combine` over equal-length vectors (every row has a model score)."""
    rules = np.asarray(rule_score, dtype=np.float64)
    model = np.asarray(model_score, dtype=np.float64)
    c = policy.combiner
    if c is None:
        return np.clip(policy.rule_weight * rules + policy.model_weight * model, 0.0, 1.0)
    p = np.clip(model, c.eps, 1.0 - c.eps)
    z = c.intercept + c.rule_coef * rules + c.model_coef * np.log(p / (1.0 - p))
    return np.exp(-np.logaddexp(0.0, -z))
