"""The logistic-regression baseline: parameters as plain JSON numbers and the one transform both
training and scoring use (so they cannot drift apart).

Transform per column: signed log1p (amounts and counts are heavy-tailed), standardize with the training
mean/scale, clip to ±`clip` (one absurd value must not dominate), and missing (NaN) → 0, i.e. the mean.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

from risk.model.exceptions import ArtifactError

TRANSFORM = "signed_log1p+standardize+clip"


def signed_log1p(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.log1p(np.abs(x))


@dataclass(frozen=True)
class LogisticParams:
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    clip: float = 8.0

    def design(self, x: np.ndarray) -> np.ndarray:
        """Raw float matrix → the standardized design matrix the coefficients apply to."""
        z = (signed_log1p(x.astype(np.float64)) - self.mean) / self.scale
        np.clip(z, -self.clip, self.clip, out=z)
        return np.nan_to_num(z, nan=0.0, copy=False)

    def predict(self, x: np.ndarray) -> np.ndarray:
        logits = self.design(x) @ self.coef + self.intercept
        return np.exp(-np.logaddexp(0.0, -logits))  # the sigmoid, without overflow for large |logits|

    def to_payload(self) -> str:
        return json.dumps({"transform": TRANSFORM, "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                           "coef": self.coef.tolist(), "intercept": self.intercept, "clip": self.clip},
                          sort_keys=True, allow_nan=False)

    @classmethod
    def from_payload(cls, payload: str, width: int) -> LogisticParams:
        try:
            doc = json.loads(payload)
            if doc["transform"] != TRANSFORM:
                msg = f"logistic transform {doc['transform']!r} is not {TRANSFORM!r}"
                raise ArtifactError(msg)
            arrays = {k: np.asarray(doc[k], dtype=np.float64) for k in ("mean", "scale", "coef")}
            intercept, clip = float(doc["intercept"]), float(doc["clip"])
        except (ValueError, KeyError, TypeError) as ex:
            msg = f"logistic payload is malformed: {ex!r}"
            raise ArtifactError(msg) from ex
        for key, arr in arrays.items():
            if arr.shape != (width,) or not np.all(np.isfinite(arr)):
                msg = f"logistic payload {key!r}: expected {width} finite numbers, got shape {arr.shape}"
                raise ArtifactError(msg)
        if np.any(arrays["scale"] <= 0) or not (math.isfinite(intercept) and clip > 0):
            msg = "logistic payload: scales must be > 0, intercept finite, clip > 0"
            raise ArtifactError(msg)
        return cls(arrays["mean"], arrays["scale"], arrays["coef"], intercept, clip)
