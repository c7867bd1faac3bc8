"""Small artifacts trained here with LightGBM directly, so the core's tests need no model platform."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest

from risk.model.artifact import ModelArtifact, ModelKind, TimeWindow
from risk.model.logistic import LogisticParams
from risk.model.vectorize import FeatureLayout

NAMES = ("tx.amount", "tx.channel", "account.is_new_device", "account.minutes_since_last_tx", "tx.hour")
VOCAB = {"tx.channel": ("mobile", "online", "atm")}
CHANNELS = ["mobile", "online", "atm", "counter", None]


def make_rows(n: int, seed: int = 0) -> list[dict[str, object]]:
    rng = np.random.default_rng(seed)
    return [{"tx.amount": float(rng.lognormal(6, 1)), "tx.channel": CHANNELS[int(rng.integers(5))],
             "account.is_new_device": bool(rng.random() < 0.3),
             "account.minutes_since_last_tx": None if rng.random() < 0.2 else float(rng.exponential(60)),
             "tx.hour": int(rng.integers(24))} for _ in range(n)]


def build(kind: ModelKind, payload: str, names: tuple[str, ...] = NAMES,
          vocab: dict[str, tuple[str, ...]] | None = None) -> ModelArtifact:
    return ModelArtifact.build(name="test-model", version="1", kind=kind, feature_names=names,
                               vocabularies=VOCAB if vocab is None else vocab, payload=payload,
                               train_window=TimeWindow(start_ms=0, end_ms=1000), label_cutoff_ms=1000,
                               created_at_ms=2000)


@pytest.fixture(scope="session")
def rows() -> list[dict[str, object]]:
    return make_rows(400, seed=1)


@pytest.fixture(scope="session")
def lgbm_artifact() -> ModelArtifact:
    layout = FeatureLayout(NAMES, VOCAB)
    train_rows = make_rows(1500)
    x = layout.rows_to_matrix(train_rows)
    y = np.array([(r["account.is_new_device"] and r["tx.amount"] > 500) or r["tx.channel"] == "atm"
                  for r in train_rows], dtype=int)
    params = {"objective": "binary", "num_threads": 1, "deterministic": True, "seed": 1, "verbose": -1,
              "force_row_wise": True, "num_leaves": 7}
    booster = lgb.train(params, lgb.Dataset(x, y, feature_name=list(NAMES),
                                            categorical_feature=layout.categorical_indices()), 30)
    return build(ModelKind.LGBM, booster.model_to_string())


@pytest.fixture(scope="session")
def logistic_artifact() -> ModelArtifact:
    names = ("tx.amount", "account.is_new_device", "account.minutes_since_last_tx", "tx.hour")
    params = LogisticParams(mean=np.array([6.0, 0.3, 3.0, 2.5]), scale=np.array([1.0, 0.5, 1.5, 0.7]),
                            coef=np.array([0.8, 1.2, -0.4, 0.1]), intercept=-2.0)
    return build(ModelKind.LOGISTIC, params.to_payload(), names, {})
