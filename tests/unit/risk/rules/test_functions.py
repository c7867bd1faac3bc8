from __future__ import annotations

from typing import Any

import pytest

from .helpers import hit_both, ruleset_of

M = "account.amount_mean_30d"
S = "account.amount_std_30d"

CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("abs(tx.amount - 10) == 5", {"tx.amount": 5.0}, True),
    ("abs(account.amount_mean_30d) >= 0", {M: None}, False),
    ("floor(tx.amount) == 2", {"tx.amount": 2.7}, True),
    ("ceil(tx.amount) == 3", {"tx.amount": 2.1}, True),
    ("sqrt(tx.amount) == 3", {"tx.amount": 9.0}, True),
    ("is_null(sqrt(tx.amount))", {"tx.amount": -1.0}, True),
    ("log(tx.amount) > 2.30 and log(tx.amount) < 2.31", {"tx.amount": 10.0}, True),
    ("is_null(log(tx.amount))", {"tx.amount": 0.0}, True),
    ("min(tx.amount, account.amount_mean_30d) == 3", {"tx.amount": 5.0, M: 3.0}, True),
    ("is_null(min(tx.amount, account.amount_mean_30d))", {"tx.amount": 5.0, M: None}, True),
    ("max(tx.amount, account.amount_mean_30d, 7) == 7", {"tx.amount": 5.0, M: 3.0}, True),
    ("coalesce(account.amount_mean_30d, account.amount_std_30d, 9) == 4", {M: None, S: 4.0}, True),
    ("coalesce(account.amount_mean_30d, account.amount_std_30d, 9) == 9", {M: None, S: None}, True),
    ("coalesce(tx.device_id, 'none') == 'none'", {"tx.device_id": None}, True),
    ("coalesce(tx.device_id, 'none') == 'd1'", {"tx.device_id": "d1"}, True),
    ("coalesce(device.is_new, false)", {"device.is_new": None}, False),
    ("coalesce(device.is_new, true)", {"device.is_new": None}, True),
    ("coalesce(device.is_new, true)", {"device.is_new": False}, False),
    ("is_null(tx.device_id)", {"tx.device_id": None}, True),
    ("is_null(tx.device_id)", {"tx.device_id": "d"}, False),
    ("is_null(device.is_new)", {"device.is_new": None}, True),
    ("not is_null(tx.amount)", {"tx.amount": 1.0}, True),
    ("starts_with(tx.ip, '10.')", {"tx.ip": "10.1.2.3"}, True),
    ("starts_with(tx.ip, '10.')", {"tx.ip": "110.1.2.3"}, False),
    ("not starts_with(tx.ip, '10.')", {"tx.ip": None}, False),
]


@pytest.mark.parametrize(("expression", "row", "expected"), CASES)
def test_function_semantics_agree_on_both_paths(expression: str, row: dict[str, Any], expected: bool) -> None:
    assert hit_both(ruleset_of(expression), row) == (expected, expected)


@pytest.mark.parametrize(
    ("row", "expected"),
    [({"tx.device_id": "d1"}, True), ({"tx.device_id": "d9"}, False), ({"tx.device_id": None}, False)],
)
def test_in_list_membership(row: dict[str, Any], expected: bool) -> None:
    rs = ruleset_of("in_list('blocked_devices', tx.device_id)", lists={"blocked_devices": ["d1", "d2"]})
    assert hit_both(rs, row) == (expected, expected)


def test_not_in_list_is_missing_when_value_missing() -> None:
    rs = ruleset_of("not in_list('blocked_devices', tx.device_id)", lists={"blocked_devices": ["d1"]})
    assert hit_both(rs, {"tx.device_id": None}) == (False, False)
