"""Feature rows become the columns the vectorised rules read, converted exactly as `float()` converts."""

import random

import numpy as np

from risk.features.catalog import FEATURES
from risk.features.columns import feature_columns


def _reference(rows, names):
    columns = {}
    for name in names:
        values = [row.get(name) for row in rows]
        if FEATURES[name].dtype == "str":
            columns[name] = np.array(values, dtype=object)
        else:
            columns[name] = np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)
    return columns


def test_columns_equal_a_float_per_value_to_the_last_bit_on_random_rows():
    rng = random.Random(17)
    names = sorted(FEATURES)
    numbers = (None, True, False, 0, -0.0, 3, 2.5, 1e308, 2**53 + 1, 1_767_225_600_000, float("inf"))
    for _ in range(40):
        rows = [{name: (rng.choice(("a", "b", None)) if FEATURES[name].dtype == "str" else rng.choice(numbers))
                 for name in rng.sample(names, rng.randint(0, len(names)))} for _ in range(rng.randint(1, 30))]
        wanted = rng.sample(names, 25)
        fast, slow = feature_columns(rows, wanted), _reference(rows, wanted)
        assert list(fast) == list(slow)
        for name in wanted:
            assert fast[name].dtype == slow[name].dtype
            if fast[name].dtype == object:
                assert fast[name].tolist() == slow[name].tolist()
            else:
                assert fast[name].tobytes() == slow[name].tobytes()


def test_rows_that_are_mappings_but_not_dicts_are_read_too():
    from types import MappingProxyType

    rows = [MappingProxyType({"tx.amount": 5}), {"tx.amount": None}]
    assert feature_columns(rows, ["tx.amount"])["tx.amount"].tobytes() == np.array([5.0, np.nan]).tobytes()
