"""Operator semantics, missing values included, checked on both paths (single event and batch).

`None` in a row means the feature is missing. Each case states whether the rule hits; the rule hits only
when its condition is known true (Kleene logic, see LANGUAGE.md).
"""

from __future__ import annotations

from typing import Any

import pytest

from risk.rules.exceptions import RulesetCompileError

from .helpers import hit_both, ruleset_of

A = "tx.amount"

CASES: list[tuple[str, dict[str, Any], bool]] = [
    # comparisons
    ("tx.amount >= 100", {A: 100.0}, True),
    ("tx.amount >= 100", {A: 99.5}, False),
    ("tx.amount > 100", {A: None}, False),
    ("tx.amount < 100", {A: None}, False),
    ("tx.amount == 100", {A: None}, False),
    ("tx.amount != 100", {A: None}, False),
    ("tx.amount != 100", {A: 5.0}, True),
    ("tx.amount <= account.amount_max_30d", {A: 5.0, "account.amount_max_30d": None}, False),
    ("tx.channel == 'mobile'", {"tx.channel": "mobile"}, True),
    ("tx.channel != 'mobile'", {"tx.channel": None}, False),
    ("tx.channel != 'mobile'", {"tx.channel": "atm"}, True),
    ("tx.counterparty_id == tx.account_id", {"tx.counterparty_id": None, "tx.account_id": None}, False),
    ("tx.counterparty_id != tx.account_id", {"tx.counterparty_id": None, "tx.account_id": "a"}, False),
    ("tx.counterparty_id == tx.account_id", {"tx.counterparty_id": "a", "tx.account_id": "a"}, True),
    ("device.is_new == true", {"device.is_new": None}, False),
    ("device.is_new != account.is_new_payee", {"device.is_new": True, "account.is_new_payee": False}, True),
    # not
    ("not (tx.amount > 100)", {A: None}, False),
    ("not (tx.amount > 100)", {A: 5.0}, True),
    ("not device.is_new", {"device.is_new": None}, False),
    ("not device.is_new", {"device.is_new": False}, True),
    # and / or (Kleene)
    ("tx.amount > 1 and device.is_new", {A: 5.0, "device.is_new": None}, False),
    ("not (tx.amount > 1 and device.is_new)", {A: 0.0, "device.is_new": None}, True),
    ("not (tx.amount > 1 and device.is_new)", {A: 5.0, "device.is_new": None}, False),
    ("tx.amount > 1 or device.is_new", {A: None, "device.is_new": True}, True),
    ("tx.amount > 1 or device.is_new", {A: None, "device.is_new": False}, False),
    ("not (tx.amount > 1 or device.is_new)", {A: None, "device.is_new": False}, False),
    ("not (tx.amount > 1 or device.is_new)", {A: 0.0, "device.is_new": False}, True),
    # arithmetic propagates missing
    ("tx.amount + account.amount_mean_30d > 0", {A: 5.0, "account.amount_mean_30d": None}, False),
    ("not (tx.amount * account.amount_mean_30d > 0)", {A: 5.0, "account.amount_mean_30d": None}, False),
    ("tx.amount - 3 == 2", {A: 5.0}, True),
    ("-tx.amount < 0", {A: 5.0}, True),
    ("tx.amount % 3 == 2", {A: 8.0}, True),
    ("tx.amount % 3 == 1", {A: -8.0}, True),
    ("tx.amount ** 2 == 25", {A: -5.0}, True),
    ("tx.amount / account.amount_mean_30d > 0", {A: 5.0, "account.amount_mean_30d": 0.0}, False),
    ("not (tx.amount / account.amount_mean_30d > 0)", {A: 5.0, "account.amount_mean_30d": 0.0}, False),
    ("tx.amount / account.amount_mean_30d == 2.5", {A: 5.0, "account.amount_mean_30d": 2.0}, True),
    ("tx.amount % account.amount_mean_30d >= 0", {A: 5.0, "account.amount_mean_30d": 0.0}, False),
    ("tx.amount ** 0.5 > 0", {A: -4.0}, False),
    ("not (tx.amount ** 0.5 > 0)", {A: -4.0}, False),
    # in / not in
    ("tx.channel in ('mobile', 'quickpay')", {"tx.channel": "quickpay"}, True),
    ("tx.channel in ('mobile', 'quickpay')", {"tx.channel": None}, False),
    ("tx.channel not in ('mobile', 'quickpay')", {"tx.channel": None}, False),
    ("tx.channel not in ('mobile', 'quickpay')", {"tx.channel": "atm"}, True),
    ("tx.hour in (1, 2, 3)", {"tx.hour": 2}, True),
    ("tx.hour not in (1, 2, 3)", {"tx.hour": None}, False),
    # between
    ("tx.hour between 0 and 5", {"tx.hour": 5}, True),
    ("tx.hour between 0 and 5", {"tx.hour": 6}, False),
    ("tx.hour between 0 and 5", {"tx.hour": None}, False),
    ("tx.hour not between 0 and 5", {"tx.hour": None}, False),
    ("tx.hour not between 0 and 5", {"tx.hour": 7}, True),
    ("tx.amount between 0 and account.amount_max_30d", {A: 1.0, "account.amount_max_30d": None}, False),
    # bool features as given
    ("device.is_new", {"device.is_new": True}, True),
    ("device.is_new", {"device.is_new": None}, False),
    ("device.is_new", {}, False),
]


@pytest.mark.parametrize(("expression", "row", "expected"), CASES)
def test_operator_semantics_agree_on_both_paths(expression: str, row: dict[str, Any], expected: bool) -> None:
    assert hit_both(ruleset_of(expression), row) == (expected, expected)


def test_nan_in_a_single_event_is_missing() -> None:
    assert hit_both(ruleset_of("not (tx.amount > 1)"), {A: float("nan")}) == (False, False)


NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(("expression", "row", "expected"), [
    ("not (tx.amount < 100)", {A: NAN}, False),  # NaN is missing on both paths
    ("tx.amount != 100", {A: NAN}, False),
    ("not (tx.amount < 100)", {A: INF}, True),
    ("tx.amount > 1e15", {A: INF}, True),
    ("tx.amount < 0", {A: -INF}, True),
    ("tx.amount between 0 and 100", {A: INF}, False),
    ("not (tx.amount - tx.amount == 0)", {A: INF}, False),  # inf - inf is NaN: missing
    ("tx.amount * 0 == 0", {A: INF}, False),
    ("tx.amount / account.amount_mean_30d > 1", {A: 5.0, "account.amount_mean_30d": INF}, False),
])
def test_non_finite_feature_values_agree_on_both_paths(expression: str, row: dict[str, Any], expected: bool) -> None:
    assert hit_both(ruleset_of(expression), row) == (expected, expected)


@pytest.mark.parametrize("value", [NAN, INF, -INF, [1.0, NAN]])
@pytest.mark.parametrize("where", ["ruleset", "scope"])
def test_non_finite_parameter_is_refused(value: Any, where: str) -> None:
    """`not (x < $p)` with p = NaN would hit on the single-event path and miss in a batch: never compiled."""
    finite = [1.0] if isinstance(value, list) else 1.0
    expression = "tx.amount in $p" if isinstance(value, list) else "not (tx.amount < $p)"
    scopes = [{"path": "44", "params": {"p": value}}]
    with pytest.raises(RulesetCompileError) as err:
        if where == "ruleset":
            ruleset_of(expression, params={"p": value})
        else:
            ruleset_of(expression, params={"p": finite}, scopes=scopes)
    assert [(p.code, "'p'" in p.message) for p in err.value.problems] == [("non_finite_param", True)]


def test_absent_column_is_missing_in_batch_and_single() -> None:
    assert hit_both(ruleset_of("is_null(account.amount_zscore_30d)"), {A: 1.0}) == (True, True)


def test_bool_column_may_be_numpy_bool() -> None:
    import numpy as np

    rs = ruleset_of("device.is_new")
    batch = rs.evaluate_batch({"device.is_new": np.array([True, False])}, ["44", "44"], np.array([0, 0]))
    assert batch.matrix[:, 0].tolist() == [True, False]


def test_wrong_feature_type_in_single_event_raises() -> None:
    from risk.rules.exceptions import FeatureTypeError

    with pytest.raises(FeatureTypeError):
        ruleset_of("tx.amount > 1").evaluate_one({A: "lots"}, "44", 0)


def test_wrong_feature_type_in_string_column_raises() -> None:
    import numpy as np

    from risk.rules.exceptions import FeatureTypeError

    with pytest.raises(FeatureTypeError):
        ruleset_of("tx.channel == 'x'").evaluate_batch({"tx.channel": np.array([1, "a"], dtype=object)},
                                                       ["44", "44"], np.array([0, 0]))


