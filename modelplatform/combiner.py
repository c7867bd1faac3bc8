"""Fit the policy's logistic combiner of rule and model scores on a validation window.

The combiner (`risk.policy.combine`) is `sigmoid(a + b·rule_score + c·logit(model_score))`. It is fitted by
penalised Newton steps on held-out predictions: the model's scores on a window it was not trained on, with
that window's labels as known at its own cut-off. Coefficients are kept non-negative (a score that falls
when the evidence rises would be unexplainable): an input whose fitted weight is negative is dropped
(weight 0) and the rest refitted.
"""

from __future__ import annotations

import numpy as np

from modelplatform.exceptions import TrainingError
from risk.policy import Combiner

EPS = 1e-6


def combiner_inputs(rule_score: np.ndarray, model_score: np.ndarray, eps: float = EPS) -> np.ndarray:
    """(n, 2): rule score and the model score's clipped log-odds, as `risk.policy.combine` reads them."""
    p = np.clip(np.asarray(model_score, dtype=np.float64), eps, 1.0 - eps)
    return np.c_[np.asarray(rule_score, dtype=np.float64), np.log(p / (1.0 - p))]


def _fit(design: np.ndarray, y: np.ndarray, l2: float, max_iter: int = 100) -> np.ndarray:
    w = np.zeros(design.shape[1])
    w[0] = np.log((y.mean() + 1e-9) / (1.0 - y.mean() + 1e-9))
    penalty = np.full(design.shape[1], l2)
    penalty[0] = 0.0

    def loss(v: np.ndarray) -> float:
        z = design @ v
        return float(np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * np.sum(penalty * v * v))

    current = loss(w)
    for _ in range(max_iter):
        p = np.exp(-np.logaddexp(0.0, -(design @ w)))
        gradient = design.T @ (p - y) + penalty * w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        scale = 1.0
        for _ in range(30):  # damped: halve until the loss does not rise
            candidate = w - scale * step
            new = loss(candidate)
            if np.isfinite(new) and new <= current:
                break
            scale *= 0.5
        else:
            break
        w, current = candidate, new
        if np.max(np.abs(scale * step)) < 1e-10:
            break
    return w


def fit_combiner(rule_score: np.ndarray, model_score: np.ndarray, y: np.ndarray, *, l2: float = 1e-2,
                 eps: float = EPS, fitted_on: str = "") -> Combiner:
    """Logistic regression of y on [rule_score, logit(model_score)] with non-negative weights."""
    y = np.asarray(y, dtype=np.float64)
    if len(y) == 0 or y.sum() in (0, len(y)):
        msg = f"fitting a combiner needs both classes, got {int(y.sum())} frauds in {len(y)} rows"
        raise TrainingError(msg)
    x = combiner_inputs(rule_score, model_score, eps)
    keep = [0, 1]
    while True:
        w = _fit(np.c_[np.ones(len(y)), x[:, keep]], y, l2)
        negative = [j for j, coef in zip(keep, w[1:], strict=True) if coef < 0]
        if not negative:
            break
        keep = [j for j in keep if j not in negative]
    coefs = dict(zip(keep, w[1:], strict=True))
    return Combiner(intercept=float(w[0]), rule_coef=float(coefs.get(0, 0.0)),
                    model_coef=float(coefs.get(1, 0.0)), eps=eps, fitted_on=fitted_on)
