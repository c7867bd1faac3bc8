"""Model scoring throughput: a LightGBM trained with the shipped settings (`LgbmParams()`) over a 100k-row
batch on one thread, next to a numpy dot product of the same matrix (the floor any model pays), in the same
run so the ratio is meaningful.

Run: `.venv/bin/python -m bench.model_bench` (or call `main()`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import lightgbm as lgb
import numpy as np
from rich.console import Console
from rich.table import Table

from modelplatform.features import categorical_features, model_features
from modelplatform.train import LgbmParams
from risk.features.catalog import FEATURES
from risk.model.artifact import ModelArtifact, ModelKind, TimeWindow
from risk.model.scorer import Scorer
from risk.model.vectorize import FeatureLayout

BATCH_ROWS = 100_000
TRAIN_ROWS = 20_000
SINGLE_ROWS = 5_000
REPEATS = 3
_CATEGORIES = ("mobile", "online", "quickpay", "counter", "atm", "pos", "api")


def _columns(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    columns: dict[str, np.ndarray] = {}
    for name in model_features():
        dtype = FEATURES[name].dtype
        if dtype == "str":
            columns[name] = np.array(_CATEGORIES, dtype=object)[rng.integers(len(_CATEGORIES), size=n)]
        elif dtype == "bool":
            columns[name] = rng.random(n) < 0.2
        elif dtype == "int":
            columns[name] = rng.poisson(2.0, size=n)
        else:
            values = rng.lognormal(3.0, 1.0, size=n)
            if FEATURES[name].nullable:
                values[rng.random(n) < 0.1] = np.nan
            columns[name] = values
    return columns


def _labels(c: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    logit = (-4 + 2.0 * c["account.is_new_device"] + 0.6 * np.log1p(c["tx.amount"]) - 1.5
             + 1.2 * (c["device.distinct_accounts_24h"] >= 4) * (c["tx.hour"] % 7 < 3)
             + 0.8 * (c["tx.channel"] == "api") + rng.normal(0, 1.0, size=len(c["tx.amount"])))
    return (logit > 0.5).astype(int)


def _artifact(rng: np.random.Generator) -> tuple[ModelArtifact, FeatureLayout]:
    names = model_features()
    layout = FeatureLayout(names, {n: _CATEGORIES for n in categorical_features(names)})
    train = _columns(TRAIN_ROWS, rng)
    params = LgbmParams()
    data = lgb.Dataset(layout.columns_to_matrix(train), _labels(train, rng), feature_name=list(names),
                       categorical_feature=layout.categorical_indices())
    booster = lgb.train(params.lightgbm(), data, params.num_trees)
    artifact = ModelArtifact.build(
        name="bench", version="1", kind=ModelKind.LGBM, feature_names=names, vocabularies=layout.vocabularies,
        payload=booster.model_to_string(), train_window=TimeWindow(start_ms=0, end_ms=1), label_cutoff_ms=1,
        created_at_ms=0)
    return artifact, layout


def _best_seconds(fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> dict:
    rng = np.random.default_rng(0)
    artifact, layout = _artifact(rng)
    scorer = Scorer.from_artifact(artifact, num_threads=1)
    columns = _columns(BATCH_ROWS, rng)
    x = layout.columns_to_matrix(columns)
    weights = np.asarray(rng.normal(size=x.shape[1]), dtype=np.float32)
    x_clean = np.nan_to_num(x)
    rows = [{name: (None if isinstance(v, float) and np.isnan(v) else v) for name, v in
             zip(layout.feature_names, values, strict=True)}
            for values in zip(*(columns[n][:SINGLE_ROWS].tolist() for n in layout.feature_names), strict=True)]

    t_dot = _best_seconds(lambda: x_clean @ weights)
    t_model = _best_seconds(lambda: scorer.score_matrix(x))
    t_end_to_end = _best_seconds(lambda: scorer.score_batch(columns))
    t_single = _best_seconds(lambda: [scorer.score_one(r) for r in rows])
    results = {
        "rows": BATCH_ROWS, "features": layout.width, "trees": LgbmParams().num_trees,
        "numpy_dot_tx_per_s": BATCH_ROWS / t_dot,
        "lgbm_matrix_tx_per_s": BATCH_ROWS / t_model,
        "lgbm_columns_tx_per_s": BATCH_ROWS / t_end_to_end,
        "lgbm_score_one_tx_per_s": SINGLE_ROWS / t_single,
        "lgbm_score_one_us": t_single / SINGLE_ROWS * 1e6,
    }
    results["lgbm_matrix_vs_dot"] = results["lgbm_matrix_tx_per_s"] / results["numpy_dot_tx_per_s"]
    results["target_100k_met"] = results["lgbm_matrix_tx_per_s"] >= 100_000
    _report(results)
    return results


def _report(r: dict) -> None:
    table = Table(title=f"model scoring: {r['trees']}-tree LightGBM, {r['features']} features, one thread")
    for column in ("path", "tx/s", "vs numpy dot"):
        table.add_column(column, justify="left" if column == "path" else "right")
    dot = r["numpy_dot_tx_per_s"]
    for label, key in (("numpy dot product (baseline)", "numpy_dot_tx_per_s"),
                       ("LightGBM, float32 matrix", "lgbm_matrix_tx_per_s"),
                       ("LightGBM, columns incl. vectorize", "lgbm_columns_tx_per_s"),
                       ("LightGBM, score_one per event", "lgbm_score_one_tx_per_s")):
        table.add_row(label, f"{r[key]:,.0f}", f"{r[key] / dot:.4f}")
    console = Console()
    console.print(table)
    console.print(f"score_one latency {r['lgbm_score_one_us']:.1f} µs; target >= 100,000 tx/s batched: "
                  f"{'met' if r['target_100k_met'] else 'NOT met'}")


if __name__ == "__main__":
    main()
