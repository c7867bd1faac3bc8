"""Typed AST → closures over a batch of feature columns (numpy), with shared sub-expressions.

Value shapes: number → float64 array (NaN = missing); string → int64 codes into the batch's string
table (0 = missing); bool → two masks, `t` (known true) and `f` (known false), built lazily: a rule only
asks for `t`, and `f` is computed only under `not`/`or`-with-missing paths that need it. Every node is
memoised in the batch context under its canonical key, so a sub-expression shared by many rules (the
same feature test with the same threshold) is computed once per batch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from risk.rules import nodes as n
from risk.rules.exceptions import FeatureTypeError
from risk.rules.functions import FUNCTIONS

Fn = Callable[["BatchContext"], Any]


class BatchContext:
    """One batch: its columns, converted lazily and once, a shared string table, and the memo."""

    def __init__(self, columns: Mapping[str, np.ndarray], n_rows: int) -> None:
        self.n = n_rows
        self.columns = columns
        self.cache: dict[str, Any] = {}
        self._index: dict[str | None, int] = {None: 0}
        self._values: list[str | None] | None = None

    # conversions
    def num(self, name: str) -> np.ndarray:
        key = "#n:" + name
        out = self.cache.get(key)
        if out is None:
            col = self.columns.get(name)
            if col is None:
                out = np.full(self.n, np.nan)
            elif col.dtype == object:
                try:
                    out = np.array([np.nan if v is None else float(v) for v in col], dtype=np.float64)
                except (TypeError, ValueError) as err:
                    raise FeatureTypeError(f"feature {name}: expected numbers, got {err}") from None
            else:
                out = np.asarray(col, dtype=np.float64)
            self.cache[key] = out
        return out

    def known(self, name: str) -> np.ndarray:
        key = "#k:" + name
        out = self.cache.get(key)
        if out is None:
            out = ~np.isnan(self.num(name))
            self.cache[key] = out
        return out

    def codes(self, name: str) -> np.ndarray:
        key = "#s:" + name
        out = self.cache.get(key)
        if out is None:
            col = self.columns.get(name)
            if col is None:
                out = np.zeros(self.n, dtype=np.int64)
            else:
                index = self._index
                before = len(index)
                setdefault = index.setdefault
                out = np.fromiter((setdefault(v, len(index)) for v in col), dtype=np.int64, count=self.n)
                if len(index) != before:
                    self._values = None
                    for v in list(index)[before:]:
                        if not isinstance(v, str):
                            raise FeatureTypeError(f"feature {name}: expected strings or None, got {v!r}")
            self.cache[key] = out
        return out

    def code_of(self, value: str) -> int:
        index = self._index
        code = index.get(value)
        if code is None:
            code = index[value] = len(index)
            self._values = None
        return code

    def str_values(self) -> list[str | None]:
        if self._values is None:
            self._values = list(self._index)
        return self._values

    def boolean(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        key = "#b:" + name
        out = self.cache.get(key)
        if out is None:
            col = self.columns.get(name)
            if col is None:
                z = np.zeros(self.n, dtype=bool)
                out = (z, z)
            elif col.dtype == bool:
                out = (col, ~col)
            else:
                x = self.num(name)
                f = x == 0
                out = (~f & ~np.isnan(x), f)
            self.cache[key] = out
        return out


def _memo(k: str, fn: Fn) -> Fn:
    def run(ctx: BatchContext) -> Any:
        cache = ctx.cache
        out = cache.get(k)
        if out is None:
            out = fn(ctx)
            cache[k] = out
        return out
    return run


def _pair(t: Fn, f: Fn) -> Fn:
    """A bool argument of a function: its (known true, known false) masks."""
    return lambda ctx: (t(ctx), f(ctx))


class BatchCompiler:
    """Compiles nodes; shares closures for equal keys across every rule of a ruleset."""

    def __init__(self, lists: Mapping[str, frozenset[str]]) -> None:
        self.lists = lists
        self._fns: dict[str, Fn] = {}

    def truth(self, node: n.Node) -> Fn:
        """Closure returning the mask of rows where the condition is known true."""
        return self._bool(node)[0]

    # --- values ---------------------------------------------------------------
    def value(self, node: n.Node) -> Fn:
        k = "v:" + n.key(node)
        fn = self._fns.get(k)
        if fn is None:
            fn = self._fns[k] = self._value(node, k)
        return fn

    def _value(self, node: n.Node, k: str) -> Fn:
        if isinstance(node, n.Num):
            v = float(node.value)
            return lambda ctx: np.full(ctx.n, v)
        if isinstance(node, n.Str):
            s = node.value
            return lambda ctx: np.full(ctx.n, ctx.code_of(s), dtype=np.int64)
        if isinstance(node, n.Name):
            name = node.dotted
            return (lambda ctx: ctx.num(name)) if node.type is n.Type.NUM else (lambda ctx: ctx.codes(name))
        if isinstance(node, n.Unary):  # neg
            inner = self.value(node.operand)
            return _memo(k, lambda ctx: -inner(ctx))
        if isinstance(node, n.Binary):
            return _memo(k, self._binary(node))
        if isinstance(node, n.Call):
            return _memo(k, self._call(node))
        raise TypeError(f"not a value node: {type(node).__name__}")

    def _operand(self, node: n.Node) -> Fn:
        """Like `value`, but constants stay Python scalars (numpy broadcasts them for free)."""
        if isinstance(node, n.Num):
            v = float(node.value)
            return lambda ctx: v
        return self.value(node)

    def _binary(self, node: n.Binary) -> Fn:
        a, b, op = self._operand(node.left), self._operand(node.right), node.op
        ufunc = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "%": np.mod,
                 "**": np.power}[op]

        def run(ctx: BatchContext) -> np.ndarray:
            x, y = a(ctx), b(ctx)
            with np.errstate(all="ignore"):
                if op in ("/", "%"):
                    out = np.full(ctx.n, np.nan)
                    ufunc(x, y, out=out, where=np.asarray(y) != 0)
                else:
                    out = ufunc(x, y)
            return out
        return run

    def _call(self, node: n.Call) -> Fn:
        fn = FUNCTIONS[node.name.dotted]
        consts = [a.value if isinstance(a, n.Num | n.Str | n.Bool) else None for a in node.args]
        impl = fn.bind([n.type_of(a) for a in node.args], consts, self.lists)
        args: list[Fn] = []
        for a in node.args:
            if a.type is n.Type.BOOL:
                t, f = self._bool(a)
                args.append(_pair(t, f))
            else:
                args.append(self.value(a))
        many = impl.batch
        return lambda ctx: many(ctx, *(g(ctx) for g in args))

    # --- conditions -----------------------------------------------------------
    def _bool(self, node: n.Node) -> tuple[Fn, Fn]:
        k = n.key(node)
        t = self._fns.get("t:" + k)
        if t is None:
            t_raw, f_raw = self._bool_raw(node, k)
            t = self._fns["t:" + k] = _memo("t:" + k, t_raw)
            self._fns["f:" + k] = _memo("f:" + k, f_raw)
        return t, self._fns["f:" + k]

    def _bool_raw(self, node: n.Node, k: str) -> tuple[Fn, Fn]:
        if isinstance(node, n.Bool):
            v = node.value
            return (lambda ctx: np.full(ctx.n, v)), (lambda ctx: np.full(ctx.n, not v))
        if isinstance(node, n.Name):
            name = node.dotted
            return (lambda ctx: ctx.boolean(name)[0]), (lambda ctx: ctx.boolean(name)[1])
        if isinstance(node, n.Unary):  # not: swap the masks
            t, f = self._bool(node.operand)
            return f, t
        if isinstance(node, n.BoolOp):
            return self._boolop(node)
        if isinstance(node, n.Compare):
            return self._compare(node)
        if isinstance(node, n.In):
            return self._in(node)
        if isinstance(node, n.Between):
            return self._between(node)
        if isinstance(node, n.Call):
            pair = _memo("p:" + k, self._call(node))
            return (lambda ctx: pair(ctx)[0]), (lambda ctx: pair(ctx)[1])
        raise TypeError(f"not a condition node: {type(node).__name__}")

    def _boolop(self, node: n.BoolOp) -> tuple[Fn, Fn]:
        pairs = [self._bool(o) for o in node.operands]
        ts, fs = [p[0] for p in pairs], [p[1] for p in pairs]
        conj, disj = (np.logical_and, np.logical_or) if node.op == "and" else (np.logical_or, np.logical_and)

        def t(ctx: BatchContext) -> np.ndarray:
            out = ts[0](ctx)
            for g in ts[1:]:
                if node.op == "and" and not out.any():
                    return out  # nothing left to be true: skip the remaining operands
                out = conj(out, g(ctx))
            return out

        def f(ctx: BatchContext) -> np.ndarray:
            out = fs[0](ctx)
            for g in fs[1:]:
                out = disj(out, g(ctx))
            return out
        return t, f

    def _known(self, node: n.Node) -> Fn | None:
        """Mask of rows where a number/string operand is present; None when it always is."""
        if isinstance(node, n.Num | n.Str):
            return None
        if isinstance(node, n.Name) and node.type is n.Type.NUM:
            name = node.dotted
            return lambda ctx: ctx.known(name)
        if node.type is n.Type.STR:
            v = self.value(node)
            return _memo("k:" + n.key(node), lambda ctx: v(ctx) != 0)
        v = self.value(node)
        return _memo("k:" + n.key(node), lambda ctx: ~np.isnan(v(ctx)))

    def _known_all(self, nodes: list[n.Node]) -> Fn:
        masks = [m for m in (self._known(x) for x in nodes) if m is not None]

        def run(ctx: BatchContext) -> np.ndarray:
            if not masks:
                return np.ones(ctx.n, dtype=bool)
            out = masks[0](ctx)
            for m in masks[1:]:
                out = out & m(ctx)
            return out
        return run

    def _compare(self, node: n.Compare) -> tuple[Fn, Fn]:
        left, right = node.left, node.right
        if left.type is n.Type.BOOL:
            (at, af), (bt, bf) = self._bool(left), self._bool(right)

            def same(ctx: BatchContext) -> np.ndarray:
                return (at(ctx) & bt(ctx)) | (af(ctx) & bf(ctx))

            def differ(ctx: BatchContext) -> np.ndarray:
                return (at(ctx) & bf(ctx)) | (af(ctx) & bt(ctx))
            return (same, differ) if node.op == "==" else (differ, same)
        if left.type is n.Type.STR:
            a, b = self._str_operand(left), self._str_operand(right)
            eq = node.op == "=="
            known = self._known_all([left, right])
            exact = _memo("e:" + n.key(node), lambda ctx: (a(ctx) == b(ctx)) & known(ctx))

            def not_eq(ctx: BatchContext) -> np.ndarray:
                return ~exact(ctx) & known(ctx)
            return (exact, not_eq) if eq else (not_eq, exact)
        a, b = self._operand(left), self._operand(right)
        ufunc = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal, ">": np.greater,
                 ">=": np.greater_equal}[node.op]
        inverse = {"==": np.not_equal, "!=": np.equal, "<": np.greater_equal, "<=": np.greater,
                   ">": np.less_equal, ">=": np.less}[node.op]
        known = self._known_all([left, right])
        if node.op == "!=":
            def t_ne(ctx: BatchContext) -> np.ndarray:
                return ufunc(a(ctx), b(ctx)) & known(ctx)  # NaN != x is True in IEEE: mask it
            return t_ne, lambda ctx: inverse(a(ctx), b(ctx))
        return (lambda ctx: ufunc(a(ctx), b(ctx))), (lambda ctx: inverse(a(ctx), b(ctx)) & known(ctx))

    def _str_operand(self, node: n.Node) -> Fn:
        if isinstance(node, n.Str):
            s = node.value
            return lambda ctx: ctx.code_of(s)
        return self.value(node)

    def _in(self, node: n.In) -> tuple[Fn, Fn]:
        items = node.items
        assert isinstance(items, n.TupleLit)
        operand = node.operand
        x = self.value(operand)
        known = self._known_all([operand])
        if operand.type is n.Type.STR:
            strings = [str(n.literal_value(i)) for i in items.items]

            def member(ctx: BatchContext) -> np.ndarray:
                wanted = [ctx.code_of(s) for s in strings]
                codes = x(ctx)
                table = np.zeros(len(ctx.str_values()), dtype=bool)
                table[wanted] = True
                return table[codes]
        else:
            numbers = np.array([n.literal_value(i) for i in items.items], dtype=np.float64)

            def member(ctx: BatchContext) -> np.ndarray:
                return np.isin(x(ctx), numbers)
        inside = _memo("m:" + n.key(node), member)

        def outside(ctx: BatchContext) -> np.ndarray:
            return ~inside(ctx) & known(ctx)
        return (outside, inside) if node.negate else (inside, outside)

    def _between(self, node: n.Between) -> tuple[Fn, Fn]:
        x, lo, hi = (self._operand(p) for p in (node.operand, node.low, node.high))
        known = self._known_all([node.operand, node.low, node.high])

        def inside(ctx: BatchContext) -> np.ndarray:
            v = x(ctx)
            return (v >= lo(ctx)) & (v <= hi(ctx))
        inside_m = _memo("w:" + n.key(node), inside)

        def outside(ctx: BatchContext) -> np.ndarray:
            return ~inside_m(ctx) & known(ctx)
        return (outside, inside_m) if node.negate else (inside_m, outside)


