import math

import numpy as np
import pytest

from risk.model.exceptions import VectorizeError
from risk.model.vectorize import UNKNOWN_CODE, FeatureLayout

LAYOUT = FeatureLayout(("tx.amount", "tx.channel", "account.is_new_device"),
                       {"tx.channel": ("mobile", "online")})


def test_none_becomes_nan():
    vector = LAYOUT.row_to_vector({"tx.amount": None, "tx.channel": None, "account.is_new_device": None})
    assert all(math.isnan(v) for v in vector)


def test_absent_feature_becomes_nan():
    assert math.isnan(LAYOUT.row_to_vector({"tx.channel": "mobile"})[0])


def test_unknown_category_gets_reserved_code():
    assert LAYOUT.row_to_vector({"tx.channel": "carrier-pigeon"})[1] == UNKNOWN_CODE


def test_known_category_codes_start_after_reserved():
    assert LAYOUT.row_to_vector({"tx.channel": "online"})[1] == 2.0


def test_bool_becomes_one_or_zero():
    assert LAYOUT.rows_to_matrix([{"account.is_new_device": True}, {"account.is_new_device": False}])[:, 2] \
        .tolist() == [1.0, 0.0]


def test_matrix_is_float32_in_declared_order():
    x = LAYOUT.rows_to_matrix([{"account.is_new_device": True, "tx.amount": 3.5, "tx.channel": "mobile"}])
    assert x.dtype == np.float32 and x.tolist() == [[3.5, 1.0, 1.0]]


def test_string_in_numeric_feature_is_refused():
    with pytest.raises(VectorizeError, match=r"tx\.amount"):
        LAYOUT.row_to_vector({"tx.amount": "12.5"})


def test_numeric_text_in_object_column_is_refused_like_in_a_row():
    with pytest.raises(VectorizeError, match=r"tx\.amount"):
        LAYOUT.columns_to_matrix({"tx.amount": np.array(["1.5", None], dtype=object)})


def test_columns_and_rows_give_the_same_matrix():
    rows = [{"tx.amount": 0.1, "tx.channel": "online", "account.is_new_device": True},
            {"tx.amount": None, "tx.channel": "atm", "account.is_new_device": False},
            {"tx.amount": 123456789.123, "tx.channel": None, "account.is_new_device": True}]
    columns = {name: [r[name] for r in rows] for name in LAYOUT.feature_names}
    np.testing.assert_array_equal(LAYOUT.columns_to_matrix(columns), LAYOUT.rows_to_matrix(rows))


def test_columns_of_unequal_length_are_refused():
    with pytest.raises(VectorizeError, match="lengths"):
        LAYOUT.columns_to_matrix({"tx.amount": [1.0, 2.0], "tx.channel": ["mobile"]})


def test_vocabulary_for_a_feature_outside_the_layout_is_refused():
    with pytest.raises(VectorizeError, match=r"tx\.currency"):
        FeatureLayout(("tx.amount",), {"tx.currency": ("CNY",)})
