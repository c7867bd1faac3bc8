"""Feature dicts or columns → a float32 matrix in the fixed column order an artifact declares.

Encoding, the same for every path (rows, columns, one row) so batch and single scoring agree:
- numeric and bool features become float (True → 1.0); None, or a key absent from the snapshot → NaN,
  which both LightGBM and the logistic baseline treat as "missing";
- string categoricals become their 1-based index in the artifact's vocabulary; a string not in it becomes
  `UNKNOWN_CODE` (0), a code training never produced, so the model sends it down its "other" branch.
Values go through float64 before the float32 cast so that every path rounds the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from risk.model.exceptions import VectorizeError

UNKNOWN_CODE = 0
_NAN = math.nan
_PLAIN_NUMBERS = (float, int, bool)


def _numeric(name: str, value: object) -> float:
    if value is None:
        return _NAN
    if isinstance(value, bool | int | float | np.number | np.bool_):
        return float(value)
    msg = f"feature {name!r}: expected a number, bool or None, got {type(value).__name__} {value!r}"
    raise VectorizeError(msg)


def _categorical(name: str, value: object, codes: Mapping[str, int]) -> float:
    if value is None:
        return _NAN
    if isinstance(value, str):
        return float(codes.get(value, UNKNOWN_CODE))
    msg = f"feature {name!r}: expected a category string or None, got {type(value).__name__} {value!r}"
    raise VectorizeError(msg)


@dataclass(frozen=True)
class FeatureLayout:
    """Column order plus per-feature vocabularies: the contract between training and scoring.

    >>> layout = FeatureLayout(("tx.amount", "tx.channel"), {"tx.channel": ("mobile", "online")})
    >>> layout.row_to_vector({"tx.amount": 12.5, "tx.channel": "atm"}).tolist()
    [12.5, 0.0]
    """

    feature_names: tuple[str, ...]
    vocabularies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    _codes: dict[str, dict[str, int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(set(self.feature_names)) != len(self.feature_names):
            msg = f"feature order has duplicates: {sorted(self.feature_names)}"
            raise VectorizeError(msg)
        unknown = sorted(set(self.vocabularies) - set(self.feature_names))
        if unknown:
            msg = f"vocabularies for features not in the layout: {unknown}"
            raise VectorizeError(msg)
        codes = {name: {v: i + 1 for i, v in enumerate(vocab)} for name, vocab in self.vocabularies.items()}
        object.__setattr__(self, "_codes", codes)

    @property
    def width(self) -> int:
        return len(self.feature_names)

    def categorical_indices(self) -> list[int]:
        """Column positions of the string categoricals (what LightGBM's `categorical_feature` wants)."""
        return [i for i, name in enumerate(self.feature_names) if name in self._codes]

    def encode(self, name: str, value: object) -> float:
        """One value of one feature as the float its column holds."""
        codes = self._codes.get(name)
        return _numeric(name, value) if codes is None else _categorical(name, value, codes)

    def row_to_vector(self, row: Mapping[str, object]) -> np.ndarray:
        """One feature snapshot → a contiguous float32 vector (the single-event fast path).

        Same encoding as `encode`, with the common cases (None, plain float/int/bool) inlined: this loop
        is most of `Scorer.score_one`'s time.
        """
        get, codes_of = row.get, self._codes.get
        values: list[float] = []
        append = values.append
        for name in self.feature_names:
            value: Any = get(name)  # a feature value of any catalogue dtype
            if value is None:
                append(_NAN)
                continue
            codes = codes_of(name)
            if codes is None:
                append(float(value) if type(value) in _PLAIN_NUMBERS else _numeric(name, value))
            else:
                append(_categorical(name, value, codes))
        return np.asarray(values, dtype=np.float64).astype(np.float32)

    def rows_to_matrix(self, rows: Sequence[Mapping[str, object]]) -> np.ndarray:
        """Feature snapshots (e.g. `Decision.features`) → an (n, width) float32 matrix."""
        out = np.empty((len(rows), self.width), dtype=np.float64)
        for j, name in enumerate(self.feature_names):
            out[:, j] = [self.encode(name, row.get(name)) for row in rows]
        return out.astype(np.float32)

    def columns_to_matrix(self, columns: Mapping[str, Any], n_rows: int | None = None) -> np.ndarray:
        """Columnar input (name → array or list) → an (n, width) float32 matrix; absent columns are NaN."""
        n = _column_length(columns, n_rows)
        out = np.full((n, self.width), np.nan, dtype=np.float64)
        for j, name in enumerate(self.feature_names):
            if name in columns:
                out[:, j] = self._encode_column(name, columns[name], n)
        return out.astype(np.float32)

    def _encode_column(self, name: str, column: Any, n: int) -> np.ndarray:
        array = np.asarray(column)
        if array.shape != (n,):
            msg = f"feature {name!r}: column has shape {array.shape}, expected ({n},)"
            raise VectorizeError(msg)
        codes = self._codes.get(name)
        if codes is None and array.dtype.kind in "biuf":
            return array.astype(np.float64)
        # object/string columns take the scalar path, so "1.5" is refused exactly as in a row
        return np.fromiter((self.encode(name, v) for v in array.tolist()), dtype=np.float64, count=n)


def _column_length(columns: Mapping[str, Any], n_rows: int | None) -> int:
    lengths = {len(col) for col in columns.values()}
    if n_rows is not None:
        lengths.add(n_rows)
    if len(lengths) > 1:
        msg = f"columns have different lengths: {sorted(lengths)}"
        raise VectorizeError(msg)
    if not lengths:
        msg = "no columns and no n_rows: cannot tell how many rows to score"
        raise VectorizeError(msg)
    return lengths.pop()
