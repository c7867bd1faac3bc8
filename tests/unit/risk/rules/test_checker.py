from __future__ import annotations

import pytest

from risk.rules.checker import CheckEnv, check_all, check_expression
from risk.rules.exceptions import ExpressionError
from risk.rules.nodes import Type
from risk.rules.parser import parse_expression


def _codes(text: str, env: CheckEnv | None = None) -> list[str]:
    _, errors = check_all(parse_expression(text), env or CheckEnv())
    return [e.code for e in errors]


def _error(text: str, env: CheckEnv | None = None) -> ExpressionError:
    with pytest.raises(ExpressionError) as err:
        check_expression(parse_expression(text), env or CheckEnv())
    return err.value


def test_known_features_type_check() -> None:
    typed = check_expression(parse_expression("tx.amount > 5 and device.is_new"), CheckEnv())
    assert typed.type is Type.BOOL


def test_unknown_feature_suggests_the_closest_name() -> None:
    assert "did you mean 'tx.amount'" in _error("tx.amout > 5").message


def test_bare_feature_name_suggests_the_qualified_one() -> None:
    assert "did you mean 'account.tx_count_1h'" in _error("tx_count_1h > 5").message


def test_unknown_function_suggests_the_closest_function() -> None:
    err = _error("coalese(tx.amount, 0) > 1")
    assert (err.code, "did you mean 'coalesce'" in err.message) == ("unknown_function", True)


def test_all_problems_of_one_expression_are_reported() -> None:
    assert _codes("tx.amout > 1 and nofn(1) and tx.channel > 3") == [
        "unknown_feature", "unknown_function", "type_mismatch"]


def test_string_compared_with_number_is_a_type_error() -> None:
    assert _codes("tx.channel == 5") == ["type_mismatch"]


def test_strings_cannot_be_ordered() -> None:
    assert _codes("tx.channel < 'z'") == ["type_mismatch"]


def test_numbers_are_not_truthy() -> None:
    assert _codes("tx.amount and device.is_new") == ["type_mismatch"]


def test_arithmetic_on_bool_is_a_type_error() -> None:
    assert _codes("device.is_new + 1 > 0") == ["type_mismatch"]


def test_a_rule_must_be_a_condition() -> None:
    assert _codes("tx.amount * 2") == ["not_a_condition"]


def test_mixed_literal_list_is_rejected() -> None:
    assert _codes("tx.channel in ('a', 1)") == ["type_mismatch"]


def test_in_list_of_other_type_is_rejected() -> None:
    assert _codes("tx.amount in ('a', 'b')") == ["type_mismatch"]


def test_unknown_param_suggests_a_declared_one() -> None:
    env = CheckEnv(param_types={"large_amount": Type.NUM})
    err = _error("tx.amount > $large_amout", env)
    assert (err.code, "did you mean 'large_amount'" in err.message) == ("unknown_param", True)


def test_list_param_is_accepted_on_the_right_of_in() -> None:
    env = CheckEnv(param_types={"chans": Type.STR_LIST})
    assert check_expression(parse_expression("tx.channel in $chans"), env).type is Type.BOOL


def test_unknown_list_name_is_rejected() -> None:
    env = CheckEnv(list_names=frozenset({"blocked_devices"}))
    err = _error("in_list('blocked_device', tx.device_id)", env)
    assert (err.code, "blocked_devices" in err.message) == ("unknown_list", True)


def test_list_name_must_be_a_literal() -> None:
    env = CheckEnv(list_names=frozenset({"blocked_devices"}))
    assert _codes("in_list(tx.channel, tx.device_id)", env) == ["literal_required"]


def test_wrong_arity_is_rejected() -> None:
    assert _codes("abs(tx.amount, 1) > 0") == ["wrong_arity"]


def test_coalesce_needs_one_type() -> None:
    assert _codes("coalesce(tx.amount, 'x') == 'x'") == ["type_mismatch"]


def test_errors_point_at_the_offending_token() -> None:
    err = _error("tx.amount > 1 and\n  tx.amout > 2")
    assert (err.line, err.col) == (2, 3)
