"""Hostile and runaway expressions: each is refused at compile time with a clear, stable code."""

from __future__ import annotations

import pytest

from risk.rules import RulesetCompileError

from .helpers import ruleset_of


def _balanced(depth: int) -> str:
    """A wide, shallow expression: 2**depth leaves, so only the node count limit can stop it."""
    return "1" if depth == 0 else f"({_balanced(depth - 1)}+{_balanced(depth - 1)})"


def _code_of(expression: str) -> str:
    with pytest.raises(RulesetCompileError) as err:
        ruleset_of(expression)
    problem = err.value.problems[0]
    assert problem.rule_id == "R0"
    return problem.code


@pytest.mark.parametrize(
    ("expression", "code"),
    [
        ("__import__('os')", "forbidden_name"),
        ("__import__('os').system('ls') == 0", "forbidden_name"),
        ("tx.amount.__class__", "forbidden_name"),
        ("().__class__.__bases__", "forbidden_name"),
        ("tx.amount.real > 1", "attribute_access"),
        ("tx.ip.startswith('10.')", "attribute_access"),
        ("(lambda: 1)() == 1", "forbidden_keyword"),
        ("[x for x in tx.channel]", "forbidden_keyword"),
        ("[1, 2] == [1, 2]", "forbidden_syntax"),
        ("{'a': 1} == 1", "forbidden_syntax"),
        ("tx.channel[0] == 'm'", "forbidden_syntax"),
        ("import os", "forbidden_keyword"),
        ("eval('1') == 1", "forbidden_keyword"),
        ("open('/etc/passwd') == 'x'", "forbidden_keyword"),
        ("tx.amount if true else 0", "forbidden_keyword"),
        ("tx.amount > 1; x = 2", "forbidden_syntax"),
        ("tx.amount ** 999999 > 1", "exponent_too_large"),
        ("2 ** 999999 > 1", "exponent_too_large"),
        ("2 ** tx.amount > 1", "exponent_not_constant"),
        ("(" * 500 + "tx.amount > 1" + ")" * 500, "nesting_too_deep"),
        ("not " * 60 + "device.is_new", "nesting_too_deep"),
        ("- " * 60 + "tx.amount > 1", "nesting_too_deep"),
        ("tx.channel == '" + "a" * 100_000 + "'", "expression_too_long"),
        ("tx.channel == '" + "a" * 300 + "'", "literal_too_large"),
        ("tx.amount > 1" + "0" * 30, "literal_too_large"),
        ("tx.amount in (" + ", ".join(str(i) for i in range(300)) + ")", "literal_too_large"),
        (_balanced(8) + " > tx.amount", "expression_too_large"),
        ("system('rm -rf /')", "unknown_function"),
        ("getattr(tx.amount, 'real') > 1", "unknown_function"),
        ("os.system == 1", "unknown_feature"),
        ("tx.amout > 1", "unknown_feature"),
        ("tx.channel > 5", "type_mismatch"),
        ("tx.channel == 5", "type_mismatch"),
        ("tx.amount / 0 > 1", "division_by_zero"),
        ("log(0 - 1) > tx.amount", "constant_is_missing"),
        ("tx.amount > 1e15 ** 16 * 1e15 ** 16", "constant_not_finite"),
        ("tx.amount < 1e999", "literal_too_large"),  # the grammar has no NaN/Inf literal: it overflows here
        ("tx.amount < inf", "unknown_feature"),
        ("tx.amount < nan", "unknown_feature"),
        ("tx.amount >", "syntax_error"),
        ("tx.amount => 1", "forbidden_syntax"),
        ("tx.amount @ 2 > 1", "syntax_error"),
        ("'\\x41' == tx.channel", "syntax_error"),
    ],
)
def test_hostile_expression_is_refused(expression: str, code: str) -> None:
    assert _code_of(expression) == code


def test_unknown_feature_error_carries_did_you_mean_and_position() -> None:
    with pytest.raises(RulesetCompileError) as err:
        ruleset_of("tx.amount > 1 and account.tx_count_1hr > 5")
    p = err.value.problems[0]
    assert (p.code, p.line, p.col, "account.tx_count_1h" in p.message) == ("unknown_feature", 1, 19, True)


def test_every_bad_rule_is_reported_at_once() -> None:
    with pytest.raises(RulesetCompileError) as err:
        ruleset_of("__import__('os')", "tx.amount > 1", "nofn(1)")
    assert [(p.rule_id, p.code) for p in err.value.problems] == [
        ("R0", "forbidden_name"), ("R2", "unknown_function")]
