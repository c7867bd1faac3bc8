from __future__ import annotations

import pytest

from risk.rules import nodes as n
from risk.rules.checker import CheckEnv, check_expression
from risk.rules.exceptions import ExpressionError
from risk.rules.fold import fold
from risk.rules.nodes import Type
from risk.rules.parser import parse_expression

ENV = CheckEnv(param_types={"large": Type.NUM, "chans": Type.STR_LIST, "on": Type.BOOL})


def _folded(text: str, **params: object) -> str:
    return n.key(fold(check_expression(parse_expression(text), ENV), params))


def test_constant_arithmetic_is_folded() -> None:
    assert _folded("tx.amount > 2 * 1000 + 1") == "(tx.amount > 2001.0)"


def test_params_are_substituted() -> None:
    assert _folded("tx.amount >= $large / 2", large=50000) == "(tx.amount >= 25000.0)"


def test_list_params_become_literal_lists() -> None:
    assert _folded("tx.channel in $chans", chans=["mobile", "api"]) == "(tx.channel in ('mobile','api',))"


def test_and_with_true_param_keeps_the_other_operand() -> None:
    assert _folded("$on and device.is_new", on=True) == "device.is_new"


def test_and_with_false_param_is_false() -> None:
    assert _folded("$on and device.is_new", on=False) == "false"


def test_or_with_true_param_is_true() -> None:
    assert _folded("$on or device.is_new", on=True) == "true"


def test_constant_functions_are_folded() -> None:
    assert _folded("tx.amount > max(3, abs(0 - 7))") == "(tx.amount > 7.0)"


def test_division_by_a_zero_param_is_an_error() -> None:
    with pytest.raises(ExpressionError) as err:
        _folded("tx.amount / $large > 1", large=0)
    assert err.value.code == "division_by_zero"


def test_exponent_from_param_is_bounded() -> None:
    with pytest.raises(ExpressionError) as err:
        _folded("tx.amount ** $large > 1", large=10_000)
    assert err.value.code == "exponent_too_large"
