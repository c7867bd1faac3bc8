from __future__ import annotations

import pytest

from risk.rules import nodes as n
from risk.rules.exceptions import ExpressionError
from risk.rules.parser import parse_expression


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("tx.amount >= 50000 and device.is_new", "((tx.amount >= 50000.0) and device.is_new)"),
        ("a.b or c.d and e.f", "(a.b or (c.d and e.f))"),
        ("not a.b and c.d", "((not a.b) and c.d)"),
        ("1 + 2 * 3", "(1.0 + (2.0 * 3.0))"),
        ("1 - 2 - 3", "((1.0 - 2.0) - 3.0)"),
        ("2 ** 3 ** 2", "(2.0 ** (3.0 ** 2.0))"),
        ("-x.y ** 2", "(neg (x.y ** 2.0))"),
        ("x.y in ('a', \"b\")", "(x.y in ('a','b',))"),
        ("x.y not in (1, -2)", "(x.y not in (1.0,-2.0,))"),
        ("x.y between 1 and 5 and z.w", "((x.y between 1.0 and 5.0) and z.w)"),
        ("x.y not between $lo and $hi", "(x.y not between $lo and $hi)"),
        ("in_list('blocked', tx.device_id)", "in_list('blocked', tx.device_id)"),
        ("1_000_000 == 1e6", "(1000000.0 == 1000000.0)"),
    ],
)
def test_parses_to_canonical_form(text: str, canonical: str) -> None:
    assert n.key(parse_expression(text)) == canonical


def test_and_chains_flatten_into_one_node() -> None:
    node = parse_expression("a.a and b.b and c.c and d.d")
    assert isinstance(node, n.BoolOp) and len(node.operands) == 4


def test_nodes_carry_line_and_column() -> None:
    node = parse_expression("tx.amount > 1 and\n   device.is_new")
    assert isinstance(node, n.BoolOp)
    assert node.operands[1].pos == n.Pos(2, 4)


def test_syntax_error_names_line_and_column() -> None:
    with pytest.raises(ExpressionError) as err:
        parse_expression("tx.amount >\n  and x.y")
    assert (err.value.code, err.value.line, err.value.col) == ("syntax_error", 2, 3)


def test_unexpected_end_is_a_syntax_error() -> None:
    with pytest.raises(ExpressionError) as err:
        parse_expression("tx.amount >=")
    assert err.value.code == "syntax_error"


def test_empty_expression_is_rejected() -> None:
    with pytest.raises(ExpressionError) as err:
        parse_expression("   ")
    assert err.value.code == "empty_expression"


def test_keywords_inside_strings_are_plain_text() -> None:
    node = parse_expression("tx.channel == 'lambda import for __x__'")
    assert isinstance(node, n.Compare) and isinstance(node.right, n.Str)
    assert node.right.value == "lambda import for __x__"


def test_names_that_start_with_a_keyword_are_names() -> None:
    node = parse_expression("a.android or a.notes")
    assert n.key(node) == "(a.android or a.notes)"
