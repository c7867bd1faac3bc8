"""The fixed function table: the only calls a rule may make.

Each entry states its arity, its typing rule and its behaviour on missing values, and binds into a pair of
implementations (one scalar, one over numpy batch values) that must agree exactly.

Batch value shapes: number → float64 array (NaN = missing); string → int64 code array into the batch's
string table (0 = missing); bool → a pair (true_mask, false_mask) (neither set = missing).

| function | types | missing |
|---|---|---|
| abs(x), floor(x), ceil(x) | num → num | missing if x is missing |
| sqrt(x) | num → num | missing if x missing or x < 0 |
| log(x) | num → num (natural log) | missing if x missing or x <= 0 |
| min(a, b, ...), max(a, b, ...) | num... → num | missing if any argument is missing |
| coalesce(a, b, ...) | T... → T (T num, str or bool) | first argument that is not missing |
| is_null(x) | any → bool | never missing: true exactly when x is missing |
| in_list('name', x) | list name literal, str → bool | missing if x is missing |
| starts_with(x, 'prefix') | str, str literal → bool | missing if x is missing |
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from risk.rules.exceptions import SignatureError
from risk.rules.nodes import Type

Scalar = Callable[..., Any]
Batch = Callable[..., Any]


class BatchContext(Protocol):
    """What batch implementations may ask of the evaluation context."""

    n: int

    def str_values(self) -> list[str | None]: ...


@dataclass(frozen=True)
class Impl:
    scalar: Scalar
    batch: Batch  # batch(ctx, *values)


Binder = Callable[[Sequence[Type], Sequence[object], Mapping[str, frozenset[str]]], Impl]


@dataclass(frozen=True)
class Function:
    name: str
    min_args: int
    max_args: int | None
    doc: str
    typing: Callable[[Sequence[Type]], Type]
    bind: Binder
    literal_args: tuple[int, ...] = ()  # positions that must be string literals
    foldable: bool = True  # pure in its arguments: constant arguments may be folded at compile time


def _all_num(types: Sequence[Type]) -> Type:
    for i, t in enumerate(types):
        if t is not Type.NUM:
            raise SignatureError(f"argument {i + 1} must be a number, got {t.value}", i)
    return Type.NUM


def _unary_num(scalar: Callable[[float], float | None], batch: Callable[[np.ndarray], np.ndarray]) -> Binder:
    def bind(types: Sequence[Type], consts: Sequence[object], lists: Mapping[str, frozenset[str]]) -> Impl:
        def one(x: float | None) -> float | None:
            return None if x is None else scalar(x)

        def many(ctx: BatchContext, x: np.ndarray) -> np.ndarray:
            with np.errstate(all="ignore"):
                return batch(x)

        return Impl(one, many)

    return bind


def _np_scalar(fn: Callable[[np.ndarray], np.ndarray]) -> Callable[[float], float]:
    """Run the numpy kernel on one value, so scalar and batch results are bit-identical."""

    def run(x: float) -> float:
        with np.errstate(all="ignore"):
            return float(fn(np.array([x]))[0])

    return run


def _log_batch(x: np.ndarray) -> np.ndarray:
    out = np.full(x.shape, np.nan)
    np.log(x, out=out, where=x > 0)
    return out


def _sqrt_batch(x: np.ndarray) -> np.ndarray:
    out = np.full(x.shape, np.nan)
    np.sqrt(x, out=out, where=x >= 0)
    return out


def _nan_to_none(fn: Callable[[float], float]) -> Callable[[float], float | None]:
    def run(x: float) -> float | None:
        r = fn(x)
        return None if r != r else r

    return run


def _minmax(ufunc: np.ufunc) -> Binder:
    def bind(types: Sequence[Type], consts: Sequence[object], lists: Mapping[str, frozenset[str]]) -> Impl:
        def one(*xs: float | None) -> float | None:
            if any(x is None for x in xs):
                return None
            return float(ufunc.reduce(np.array(xs)))

        def many(ctx: BatchContext, *xs: np.ndarray) -> np.ndarray:
            out = xs[0]
            for x in xs[1:]:
                out = ufunc(out, x)
            return out

        return Impl(one, many)

    return bind


def _coalesce_typing(types: Sequence[Type]) -> Type:
    first = types[0]
    if first not in (Type.NUM, Type.STR, Type.BOOL):
        raise SignatureError(f"coalesce cannot take a {first.value}", 0)
    for i, t in enumerate(types[1:], start=1):
        if t is not first:
            raise SignatureError(f"all coalesce arguments must share one type: {first.value} then {t.value}", i)
    return first


def _coalesce_bind(types: Sequence[Type], consts: Sequence[object], lists: Mapping[str, frozenset[str]]) -> Impl:
    def one(*xs: object) -> object:
        for x in xs:
            if x is not None:
                return x
        return None

    kind = types[0]

    def many(ctx: BatchContext, *xs: Any) -> Any:
        if kind is Type.NUM:
            out = xs[0]
            for x in xs[1:]:
                out = np.where(np.isnan(out), x, out)
            return out
        if kind is Type.STR:
            out = xs[0]
            for x in xs[1:]:
                out = np.where(out == 0, x, out)
            return out
        t, f = xs[0]
        for t2, f2 in xs[1:]:
            unknown = ~(t | f)
            t = t | (unknown & t2)
            f = f | (unknown & f2)
        return (t, f)

    return Impl(one, many)


def _is_null_typing(types: Sequence[Type]) -> Type:
    if types[0] in (Type.NUM_LIST, Type.STR_LIST):
        raise SignatureError("is_null takes a value, not a list", 0)
    return Type.BOOL


def _is_null_bind(types: Sequence[Type], consts: Sequence[object], lists: Mapping[str, frozenset[str]]) -> Impl:
    kind = types[0]

    def one(x: object) -> bool:
        return x is None

    def many(ctx: BatchContext, x: Any) -> tuple[np.ndarray, np.ndarray]:
        if kind is Type.NUM:
            t = np.isnan(x)
        elif kind is Type.STR:
            t = x == 0
        else:
            t = ~(x[0] | x[1])
        return (t, ~t)

    return Impl(one, many)


def _str_predicate(test_for: Callable[[Sequence[object], Mapping[str, frozenset[str]]], Callable[[str], bool]],
                   value_arg: int) -> Binder:
    """A bool function of one string value, computed once per distinct string in a batch."""

    def bind(types: Sequence[Type], consts: Sequence[object], lists: Mapping[str, frozenset[str]]) -> Impl:
        test = test_for(consts, lists)

        def one(*xs: str | None) -> bool | None:
            x = xs[value_arg]
            return None if x is None else test(x)

        def many(ctx: BatchContext, *xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            codes = xs[value_arg]
            values = ctx.str_values()
            table = np.fromiter((v is not None and test(v) for v in values), dtype=bool, count=len(values))
            t = table[codes]
            f = ~t & (codes != 0)
            return (t, f)

        return Impl(one, many)

    return bind


def _in_list_typing(types: Sequence[Type]) -> Type:
    if types[0] is not Type.STR:
        raise SignatureError("the first argument of in_list is a list name literal", 0)
    if types[1] is not Type.STR:
        raise SignatureError(f"in_list checks a string value, got {types[1].value}", 1)
    return Type.BOOL


def _in_list_test(consts: Sequence[object], lists: Mapping[str, frozenset[str]]) -> Callable[[str], bool]:
    members = lists[str(consts[0])]
    return members.__contains__


def _starts_with_typing(types: Sequence[Type]) -> Type:
    if types[0] is not Type.STR or types[1] is not Type.STR:
        raise SignatureError("starts_with takes (string, string literal)", 0)
    return Type.BOOL


def _starts_with_test(consts: Sequence[object], lists: Mapping[str, frozenset[str]]) -> Callable[[str], bool]:
    prefix = str(consts[1])
    return lambda v: v.startswith(prefix)


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in [
        Function("abs", 1, 1, "absolute value", _all_num, _unary_num(abs, np.abs)),
        Function("floor", 1, 1, "round down", _all_num,
                 _unary_num(_np_scalar(np.floor), np.floor)),
        Function("ceil", 1, 1, "round up", _all_num, _unary_num(_np_scalar(np.ceil), np.ceil)),
        Function("sqrt", 1, 1, "square root; missing below 0", _all_num,
                 _unary_num(_nan_to_none(_np_scalar(_sqrt_batch)), _sqrt_batch)),
        Function("log", 1, 1, "natural logarithm; missing at or below 0", _all_num,
                 _unary_num(_nan_to_none(_np_scalar(_log_batch)), _log_batch)),
        Function("min", 2, 16, "smallest argument; missing if any is missing", _all_num, _minmax(np.minimum)),
        Function("max", 2, 16, "largest argument; missing if any is missing", _all_num, _minmax(np.maximum)),
        Function("coalesce", 2, 16, "first argument that is not missing", _coalesce_typing, _coalesce_bind),
        Function("is_null", 1, 1, "true when the value is missing", _is_null_typing, _is_null_bind),
        Function("in_list", 2, 2, "membership in a named list", _in_list_typing,
                 _str_predicate(_in_list_test, 1), literal_args=(0,), foldable=False),
        Function("starts_with", 2, 2, "string prefix test", _starts_with_typing,
                 _str_predicate(_starts_with_test, 0), literal_args=(1,)),
    ]
}

