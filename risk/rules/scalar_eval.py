"""Typed AST → a closure over one event's feature values: the fast path for a single transaction.

Values: number → float | None, string → str | None, bool → True | False | None (None = missing). The
semantics are those of `batch_eval` (see LANGUAGE.md); a test holds the two together on random rows.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import numpy as np

from risk.rules import nodes as n
from risk.rules.functions import FUNCTIONS

Env = Mapping[str, Any]
ScalarFn = Callable[[Env], Any]

_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _arith(op: str, a: float, b: float) -> float | None:
    if op == "+":
        r = a + b
    elif op == "-":
        r = a - b
    elif op == "*":
        r = a * b
    elif op == "/":
        if b == 0:
            return None
        r = a / b
    elif op == "%":
        if b == 0:
            return None
        with np.errstate(all="ignore"):
            r = float(np.mod(np.array([a]), b)[0])
    else:  # "**": the same numpy kernel as the batch path
        with np.errstate(all="ignore"):
            r = float(np.power(np.array([a]), b)[0])
    return r if r == r else None


def compile_scalar(node: n.Node, lists: Mapping[str, frozenset[str]]) -> ScalarFn:
    """Build the closure for a checked (typed, folded) tree."""
    if isinstance(node, n.Num | n.Str | n.Bool):
        value = float(node.value) if isinstance(node, n.Num) else node.value
        return lambda env: value
    if isinstance(node, n.Name):
        name = node.dotted
        return lambda env: env[name]
    if isinstance(node, n.Unary):
        inner = compile_scalar(node.operand, lists)
        if node.op == "not":
            def not_(env: Env) -> bool | None:
                v = inner(env)
                return None if v is None else not v
            return not_

        def neg(env: Env) -> float | None:
            v = inner(env)
            return None if v is None else -v
        return neg
    if isinstance(node, n.Binary):
        return _binary(node, lists)
    if isinstance(node, n.Compare):
        return _compare(node, lists)
    if isinstance(node, n.BoolOp):
        return _boolop(node, lists)
    if isinstance(node, n.In):
        return _in(node, lists)
    if isinstance(node, n.Between):
        return _between(node, lists)
    if isinstance(node, n.Call):
        return _call(node, lists)
    raise TypeError(f"cannot compile {type(node).__name__}")


def _strict(left: ScalarFn, right: ScalarFn, combine: Callable[[Any, Any], Any]) -> ScalarFn:
    """`combine(a, b)`, missing when either side is; the right side is not evaluated once the left is missing."""
    def run(env: Env) -> Any:
        a = left(env)
        if a is None:
            return None
        b = right(env)
        if b is None:
            return None
        return combine(a, b)
    return run


def _binary(node: n.Binary, lists: Mapping[str, frozenset[str]]) -> ScalarFn:
    return _strict(compile_scalar(node.left, lists), compile_scalar(node.right, lists), partial(_arith, node.op))


def _compare(node: n.Compare, lists: Mapping[str, frozenset[str]]) -> ScalarFn:
    cmp = _CMP[node.op]
    if isinstance(node.left, n.Name) and isinstance(node.right, n.Num | n.Str | n.Bool):
        name = node.left.dotted  # the common shape `feature OP constant`, one call instead of three
        const = float(node.right.value) if isinstance(node.right, n.Num) else node.right.value

        def feature_const(env: Env) -> bool | None:
            v = env[name]
            return None if v is None else cmp(v, const)
        return feature_const
    return _strict(compile_scalar(node.left, lists), compile_scalar(node.right, lists), cmp)


def _boolop(node: n.BoolOp, lists: Mapping[str, frozenset[str]]) -> ScalarFn:
    parts = tuple(compile_scalar(o, lists) for o in node.operands)
    # Kleene logic: the dominant value (False for and, True for or) decides at once; otherwise a missing
    # operand makes the result missing. Two- and three-operand forms are unrolled: they are most rules.
    dominant = node.op == "or"
    if len(parts) == 2:
        a, b = parts

        def two(env: Env) -> bool | None:
            x: bool | None = a(env)
            if x is dominant:
                return dominant
            y: bool | None = b(env)
            if y is dominant:
                return dominant
            return None if x is None or y is None else not dominant
        return two
    if len(parts) == 3:
        a, b, c = parts

        def three(env: Env) -> bool | None:
            x: bool | None = a(env)
            if x is dominant:
                return dominant
            y: bool | None = b(env)
            if y is dominant:
                return dominant
            z: bool | None = c(env)
            if z is dominant:
                return dominant
            return None if x is None or y is None or z is None else not dominant
        return three

    def many(env: Env) -> bool | None:
        unknown = False
        for p in parts:
            v: bool | None = p(env)
            if v is dominant:
                return dominant
            if v is None:
                unknown = True
        return None if unknown else not dominant
    return many


def _items(node: n.Node) -> frozenset[object]:
    assert isinstance(node, n.TupleLit)  # params are folded to literals before compiling
    return frozenset(n.literal_value(i) for i in node.items)


def _in(node: n.In, lists: Mapping[str, frozenset[str]]) -> ScalarFn:
    items, negate = _items(node.items), node.negate
    if isinstance(node.operand, n.Name):
        name = node.operand.dotted

        def feature_in(env: Env) -> bool | None:
            v = env[name]
            return None if v is None else (v in items) != negate
        return feature_in
    operand = compile_scalar(node.operand, lists)

    def run(env: Env) -> bool | None:
        v = operand(env)
        if v is None:
            return None
        return (v in items) != negate
    return run


def _between(node: n.Between, lists: Mapping[str, frozenset[str]]) -> ScalarFn:
    if isinstance(node.operand, n.Name) and isinstance(node.low, n.Num) and isinstance(node.high, n.Num):
        name, low, high, neg = node.operand.dotted, float(node.low.value), float(node.high.value), node.negate

        def feature_between(env: Env) -> bool | None:
            v = env[name]
            return None if v is None else (low <= v <= high) != neg
        return feature_between
    x, lo, hi = (compile_scalar(p, lists) for p in (node.operand, node.low, node.high))
    negate = node.negate

    def run(env: Env) -> bool | None:
        v: float | None = x(env)
        a: float | None = lo(env)
        b: float | None = hi(env)
        if v is None or a is None or b is None:
            return None
        return (a <= v <= b) != negate
    return run


def _call(node: n.Call, lists: Mapping[str, frozenset[str]]) -> ScalarFn:
    fn = FUNCTIONS[node.name.dotted]
    consts = [a.value if isinstance(a, n.Num | n.Str | n.Bool) else None for a in node.args]
    impl = fn.bind([n.type_of(a) for a in node.args], consts, lists)
    args = tuple(compile_scalar(a, lists) for a in node.args)
    one = impl.scalar
    # one and two arguments (in_list, coalesce, min/max pairs) are unrolled: no generator per call
    if len(args) == 1:
        (a0,) = args
        return lambda env: one(a0(env))
    if len(args) == 2:
        a0, a1 = args
        return lambda env: one(a0(env), a1(env))
    return lambda env: one(*(a(env) for a in args))
