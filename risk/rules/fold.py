"""Parameter substitution and constant folding, run once per scope variant of a rule.

Every sub-expression without features is computed here, once, with the scalar semantics; `and`/`or`
drop operands that cannot change the result (Kleene logic keeps this exact with missing values). Bounds
that need values (exponents, division by a constant zero, a constant that overflows) are enforced here too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

from risk.rules import nodes as n
from risk.rules.exceptions import ExpressionError
from risk.rules.functions import FUNCTIONS
from risk.rules.limits import DEFAULT_LIMITS, Limits
from risk.rules.scalar_eval import compile_scalar

Type = n.Type
_NO_LISTS: dict[str, frozenset[str]] = {}


def _literal(value: object, pos: n.Pos, t: Type) -> n.Node:
    if isinstance(value, list | tuple):  # a list parameter: its type is NUM_LIST or STR_LIST
        item = Type.NUM if t is Type.NUM_LIST else Type.STR
        return n.TupleLit(pos=pos, items=tuple(_literal(v, pos, item) for v in value), type=t)
    if isinstance(value, bool):
        return n.Bool(pos=pos, value=value, type=Type.BOOL)
    if isinstance(value, int | float):
        return n.Num(pos=pos, value=float(value), type=Type.NUM)
    return n.Str(pos=pos, value=str(value), type=Type.STR)


def _is_const(node: n.Node) -> bool:
    return isinstance(node, n.Num | n.Str | n.Bool | n.TupleLit)


def fold(node: n.Node, params: Mapping[str, object], limits: Limits = DEFAULT_LIMITS) -> n.Node:
    """Replace `$params` by their values and fold constant sub-trees; raise `ExpressionError` on a
    constant that has no value (e.g. `1 / 0`) or an exponent out of bounds."""
    if isinstance(node, n.Param):
        return _literal(params[node.name], node.pos, n.type_of(node))
    if isinstance(node, n.Num | n.Str | n.Bool | n.Name):
        return node
    if isinstance(node, n.TupleLit):
        return node
    if isinstance(node, n.Unary):
        node = replace(node, operand=fold(node.operand, params, limits))
    elif isinstance(node, n.Binary | n.Compare):
        node = replace(node, left=fold(node.left, params, limits), right=fold(node.right, params, limits))
        if isinstance(node, n.Binary):
            _check_binary(node, limits)
    elif isinstance(node, n.In):
        node = replace(node, operand=fold(node.operand, params, limits), items=fold(node.items, params, limits))
    elif isinstance(node, n.Between):
        node = replace(node, operand=fold(node.operand, params, limits), low=fold(node.low, params, limits),
                       high=fold(node.high, params, limits))
    elif isinstance(node, n.Call):
        node = replace(node, args=tuple(fold(a, params, limits) for a in node.args))
        if not FUNCTIONS[node.name.dotted].foldable:
            return node
    elif isinstance(node, n.BoolOp):
        return _fold_boolop(node, params, limits)
    if all(_is_const(c) for c in n.children(node)):
        return _evaluate(node)
    return node


def _check_binary(node: n.Binary, limits: Limits) -> None:
    right = node.right
    if node.op == "**":
        if not isinstance(right, n.Num):
            raise ExpressionError("exponent_not_constant", "the exponent of '**' must be a constant",
                                  node.pos.line, node.pos.col)
        if abs(right.value) > limits.max_exponent:
            raise ExpressionError("exponent_too_large",
                                  f"exponent {right.value:g} exceeds the limit {limits.max_exponent:g}",
                                  right.pos.line, right.pos.col)
    if node.op in ("/", "%") and isinstance(right, n.Num) and right.value == 0:
        raise ExpressionError("division_by_zero", f"'{node.op}' by the constant 0", right.pos.line, right.pos.col)


def _fold_boolop(node: n.BoolOp, params: Mapping[str, object], limits: Limits) -> n.Node:
    absorbing = node.op == "or"  # `x or true` is true; `x and false` is false
    kept: list[n.Node] = []
    for operand in node.operands:
        f = fold(operand, params, limits)
        if isinstance(f, n.Bool):
            if f.value == absorbing:
                return f
            continue  # neutral element
        kept.append(f)
    if not kept:
        return n.Bool(pos=node.pos, value=not absorbing, type=Type.BOOL)
    if len(kept) == 1:
        return kept[0]
    return replace(node, operands=tuple(kept))


def _evaluate(node: n.Node) -> n.Node:
    value = compile_scalar(node, _NO_LISTS)({})
    if value is None:
        raise ExpressionError("constant_is_missing",
                              "this constant sub-expression has no value (e.g. log of a non-positive number)",
                              node.pos.line, node.pos.col)
    if isinstance(value, float) and not math.isfinite(value):  # overflow; a NaN result is missing above
        raise ExpressionError("constant_not_finite",
                              "this constant sub-expression overflows to infinity; thresholds must be finite",
                              node.pos.line, node.pos.col)
    return _literal(value, node.pos, n.type_of(node))
