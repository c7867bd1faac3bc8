"""Small builders shared by the rule tests: a ruleset from expressions, and one row in both paths."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from risk.features.catalog import FEATURES
from risk.features.columns import feature_columns
from risk.rules import CompiledRuleset, RulesetSpec, compile_ruleset

PATH = "44/4401/440106/0012"


def spec_of(*expressions: str, params: Mapping[str, Any] | None = None, lists: Mapping[str, list[str]] | None = None,
            scopes: list[dict[str, Any]] | None = None, **fields: Any) -> RulesetSpec:
    rules = [
        {"id": f"R{i}", "expression": e, "action": "REVIEW", "weight": 0.5, "reason_code": f"CODE_{i}", **fields}
        for i, e in enumerate(expressions)
    ]
    return RulesetSpec.model_validate({
        "version": "t1",
        "params": dict(params or {}),
        "lists": {k: {"name": k, "items": v} for k, v in (lists or {}).items()},
        "rules": rules,
        "scopes": scopes or [],
    })


def ruleset_of(*expressions: str, **kwargs: Any) -> CompiledRuleset:
    return compile_ruleset(spec_of(*expressions, **kwargs))


def columns_of(rows: list[Mapping[str, Any]]) -> dict[str, np.ndarray]:
    return feature_columns(rows)


def hit_one(rs: CompiledRuleset, row: Mapping[str, Any], path: str = PATH, t_ms: int = 0) -> bool:
    return bool(rs.evaluate_one(row, path, t_ms))


def hit_batch(rs: CompiledRuleset, row: Mapping[str, Any], path: str = PATH, t_ms: int = 0) -> bool:
    batch = rs.evaluate_batch(columns_of([row]), [path], np.array([t_ms]))
    return bool(batch.matrix[0].any())


def hit_both(rs: CompiledRuleset, row: Mapping[str, Any], path: str = PATH, t_ms: int = 0) -> tuple[bool, bool]:
    """(single-event result, batch result) for one rule on one row."""
    return hit_one(rs, row, path, t_ms), hit_batch(rs, row, path, t_ms)


STRINGS = ["a", "b", "mobile", "quickpay", "transfer", "payment", "withdrawal", "CNY", "USD", "B1", "B9901",
           "merchant", "10.0.0.1", "d1", "dev-7f3a9c01e2", "62300100000099999"]


def random_rows(n: int, seed: int, missing: float = 0.25) -> list[dict[str, Any]]:
    """Rows over the whole catalogue with a share of missing values and edge numbers (0, -1)."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        row: dict[str, Any] = {}
        for name, spec in FEATURES.items():
            if rng.random() < missing:
                row[name] = None
            elif spec.dtype == "str":
                row[name] = STRINGS[int(rng.integers(0, len(STRINGS)))]
            elif spec.dtype == "bool":
                row[name] = bool(rng.random() < 0.5)
            elif spec.dtype == "int":
                row[name] = int(rng.integers(0, 80))
            else:
                row[name] = float(rng.choice([0.0, -1.0, 1000.0, 10000.0, rng.lognormal(8, 2.5)]))
        rows.append(row)
    return rows
