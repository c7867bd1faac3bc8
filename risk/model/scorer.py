"""Score feature snapshots with a verified artifact: batch (rows or columns) or one event.

A one-feature logistic model (log-amount, no intercept) scores an amount of 0 at exactly 0.5:

>>> from risk.model.artifact import TimeWindow
>>> params = LogisticParams(mean=np.zeros(1), scale=np.ones(1), coef=np.ones(1), intercept=0.0)
>>> artifact = ModelArtifact.build(name="demo", version="1", kind="logistic", feature_names=("tx.amount",),
...     vocabularies={}, payload=params.to_payload(), train_window=TimeWindow(start_ms=0, end_ms=1),
...     label_cutoff_ms=1, created_at_ms=1)
>>> scorer = Scorer.from_artifact(artifact)
>>> scorer.score_one({"tx.amount": 0.0})
0.5
>>> scorer.score_batch({"tx.amount": [0.0, 1e6]}).round(3).tolist()
[0.5, 1.0]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from risk.model.artifact import ModelArtifact, ModelKind
from risk.model.exceptions import UnknownModelKindError, VectorizeError
from risk.model.logistic import LogisticParams
from risk.model.vectorize import FeatureLayout


class Backend(Protocol):
    def predict_matrix(self, x: np.ndarray) -> np.ndarray: ...
    def predict_row(self, row: np.ndarray) -> float: ...


class _LogisticBackend:
    def __init__(self, params: LogisticParams) -> None:
        self._params = params

    def predict_matrix(self, x: np.ndarray) -> np.ndarray:
        return self._params.predict(x)

    def predict_row(self, row: np.ndarray) -> float:
        return float(self._params.predict(row.reshape(1, -1))[0])


def _lgbm(artifact: ModelArtifact, num_threads: int) -> Backend:
    from risk.model.lgbm_backend import LgbmBackend  # LightGBM loads only when an lgbm model does

    return LgbmBackend(artifact.payload, artifact.manifest.feature_names, num_threads)


def _logistic(artifact: ModelArtifact, num_threads: int) -> Backend:
    return _LogisticBackend(LogisticParams.from_payload(artifact.payload, len(artifact.manifest.feature_names)))


_BACKENDS: dict[ModelKind, Callable[[ModelArtifact, int], Backend]] = {
    ModelKind.LGBM: _lgbm,
    ModelKind.LOGISTIC: _logistic,
}


class Scorer:
    """A ready-to-score model: the artifact's feature layout plus its backend."""

    def __init__(self, artifact: ModelArtifact, layout: FeatureLayout, backend: Backend) -> None:
        self.artifact = artifact
        self.layout = layout
        self._backend = backend

    @classmethod
    def from_artifact(cls, artifact: ModelArtifact, *, num_threads: int = 1) -> Scorer:
        factory = _BACKENDS.get(artifact.manifest.kind)
        if factory is None:
            msg = f"no scorer for model kind {artifact.manifest.kind!r}"
            raise UnknownModelKindError(msg)
        return cls(artifact, artifact.manifest.layout(), factory(artifact, num_threads))

    @property
    def version(self) -> str:
        """`name/version`, what a decision records as the model that scored it."""
        return self.artifact.key

    def score_batch(self, data: Mapping[str, Any] | Sequence[Mapping[str, object]]) -> np.ndarray:
        """Probabilities in [0, 1] for columns (name → array) or rows (feature dicts)."""
        return self.score_matrix(self.vectorize(data))

    def vectorize(self, data: Mapping[str, Any] | Sequence[Mapping[str, object]]) -> np.ndarray:
        if isinstance(data, Mapping):
            return self.layout.columns_to_matrix(data)
        if isinstance(data, Sequence):
            return self.layout.rows_to_matrix(data)
        msg = f"score_batch takes columns (a mapping) or rows (a sequence of mappings), got {type(data)}"
        raise VectorizeError(msg)

    def score_matrix(self, x: np.ndarray) -> np.ndarray:
        """Probabilities for an already vectorized (n, width) float32 matrix."""
        if x.ndim != 2 or x.shape[1] != self.layout.width:
            msg = f"{self.version}: matrix shape {x.shape}, expected (n, {self.layout.width})"
            raise VectorizeError(msg)
        return self._backend.predict_matrix(x)

    def score_one(self, features: Mapping[str, object]) -> float:
        """One event's probability: the streaming fast path, equal to `score_batch` on the same row."""
        return self._backend.predict_row(self.layout.row_to_vector(features))
