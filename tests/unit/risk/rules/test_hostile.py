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
        ("__import__('os')", "FORBIDDEN_NAME"),
        ("__import__('os').system('ls') == 0", "FORBIDDEN_NAME"),
        ("tx.amount.__class__", "FORBIDDEN_NAME"),
        ("().__class__.__bases__", "FORBIDDEN_NAME"),
        ("tx.amount.real > 1", "ATTRIBUTE_ACCESS"),
        ("tx.ip.startswith('10.')", "ATTRIBUTE_ACCESS"),
        ("(lambda: 1)() == 1", "FORBIDDEN_KEYWORD"),
        ("[x for x in tx.channel]", "FORBIDDEN_KEYWORD"),
        ("[1, 2] == [1, 2]", "FORBIDDEN_SYNTAX"),
        ("{'a': 1} == 1", "FORBIDDEN_SYNTAX"),
        ("tx.channel[0] == 'm'", "FORBIDDEN_SYNTAX"),
        ("import os", "FORBIDDEN_KEYWORD"),
        ("eval('1') == 1", "FORBIDDEN_KEYWORD"),
        ("open('/etc/passwd') == 'x'", "FORBIDDEN_KEYWORD"),
        ("tx.amount if true else 0", "FORBIDDEN_KEYWORD"),
        ("tx.amount > 1; x = 2", "FORBIDDEN_SYNTAX"),
        ("tx.amount ** 999999 > 1", "EXPONENT_TOO_LARGE"),
        ("2 ** 999999 > 1", "EXPONENT_TOO_LARGE"),
        ("2 ** tx.amount > 1", "EXPONENT_NOT_CONSTANT"),
        ("(" * 500 + "tx.amount > 1" + ")" * 500, "NESTING_TOO_DEEP"),
        ("not " * 60 + "device.is_new", "NESTING_TOO_DEEP"),
        ("- " * 60 + "tx.amount > 1", "NESTING_TOO_DEEP"),
        ("tx.channel == '" + "a" * 100_000 + "'", "EXPRESSION_TOO_LONG"),
        ("tx.channel == '" + "a" * 300 + "'", "LITERAL_TOO_LARGE"),
        ("tx.amount > 1" + "0" * 30, "LITERAL_TOO_LARGE"),
        ("tx.amount in (" + ", ".join(str(i) for i in range(300)) + ")", "LITERAL_TOO_LARGE"),
        (_balanced(8) + " > tx.amount", "EXPRESSION_TOO_LARGE"),
        ("system('rm -rf /')", "UNKNOWN_FUNCTION"),
        ("getattr(tx.amount, 'real') > 1", "UNKNOWN_FUNCTION"),
        ("os.system == 1", "UNKNOWN_FEATURE"),
        ("tx.amout > 1", "UNKNOWN_FEATURE"),
        ("tx.channel > 5", "TYPE_MISMATCH"),
        ("tx.channel == 5", "TYPE_MISMATCH"),
        ("tx.amount / 0 > 1", "DIVISION_BY_ZERO"),
        ("log(0 - 1) > tx.amount", "CONSTANT_IS_MISSING"),
        ("tx.amount > 1e15 ** 16 * 1e15 ** 16", "CONSTANT_NOT_FINITE"),
        ("tx.amount < 1e999", "LITERAL_TOO_LARGE"),  # the grammar has no NaN/Inf literal: it overflows here
        ("tx.amount < inf", "UNKNOWN_FEATURE"),
        ("tx.amount < nan", "UNKNOWN_FEATURE"),
        ("tx.amount >", "SYNTAX_ERROR"),
        ("tx.amount => 1", "FORBIDDEN_SYNTAX"),
        ("tx.amount @ 2 > 1", "SYNTAX_ERROR"),
        ("'\\x41' == tx.channel", "SYNTAX_ERROR"),
    ],
)
def test_hostile_expression_is_refused(expression: str, code: str) -> None:
    assert _code_of(expression) == code


def test_unknown_feature_error_carries_did_you_mean_and_position() -> None:
    with pytest.raises(RulesetCompileError) as err:
        ruleset_of("tx.amount > 1 and account.tx_count_1hr > 5")
    p = err.value.problems[0]
    assert (p.code, p.line, p.col, "account.tx_count_1h" in p.message) == ("UNKNOWN_FEATURE", 1, 19, True)


def test_every_bad_rule_is_reported_at_once() -> None:
    with pytest.raises(RulesetCompileError) as err:
        ruleset_of("__import__('os')", "tx.amount > 1", "nofn(1)")
    assert [(p.rule_id, p.code) for p in err.value.problems] == [
        ("R0", "FORBIDDEN_NAME"), ("R2", "UNKNOWN_FUNCTION")]
