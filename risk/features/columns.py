"""Feature snapshots (one dict per transaction) as the columns the vectorised rule engine reads.

Strings stay strings in object arrays; numbers and bools become float64 with NaN for a missing value, the
same "missing" the single-event evaluator sees for None.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from typing import Any

import numpy as np

from risk.features.catalog import FEATURES


def feature_columns(rows: Sequence[Mapping[str, object]], names: Iterable[str] | None = None
                    ) -> dict[str, np.ndarray]:
    """`names` (default: every key any row has) → one column each, row order kept."""
    wanted = sorted({k for row in rows for k in row}) if names is None else list(names)
    plain = all(type(row) is dict for row in rows)  # then `dict.get` maps over the rows in C
    columns: dict[str, np.ndarray] = {}
    for name in wanted:
        # numbers or None, by the catalogue's dtype
        values: list[Any] = (list(map(dict.get, rows, repeat(name))) if plain  # type: ignore[arg-type]
                             else [row.get(name) for row in rows])
        if FEATURES[name].dtype == "str":
            columns[name] = np.array(values, dtype=object)
        else:
            # numpy converts as float() does (bools to 0/1) and None to NaN
            columns[name] = np.array(values, dtype=np.float64)
    return columns
