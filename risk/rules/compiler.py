"""Checked AST → a `CompiledPredicate`: parameters folded in, then one scalar closure and one batch
closure built from the same tree. The batch closures share sub-expressions through `BatchCompiler`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from risk.rules import nodes as n
from risk.rules.batch_eval import BatchCompiler, BatchContext
from risk.rules.fold import fold
from risk.rules.limits import DEFAULT_LIMITS, Limits
from risk.rules.scalar_eval import compile_scalar


@dataclass(frozen=True)
class CompiledPredicate:
    """One rule condition for one set of parameter values."""

    key: str  # canonical folded expression; equal keys share their compiled closures
    node: n.Node
    one: Callable[[Mapping[str, Any]], bool | None]
    batch: Callable[[BatchContext], np.ndarray]  # rows where the condition is known true
    features: frozenset[str]


def features_of(node: n.Node) -> frozenset[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        x = stack.pop()
        if isinstance(x, n.Name):
            found.add(x.dotted)
        stack.extend(n.children(x))
    return frozenset(found)


class PredicateCompiler:
    """Compiles checked rule trees for given parameter values, caching by folded expression."""

    def __init__(self, lists: Mapping[str, frozenset[str]], limits: Limits = DEFAULT_LIMITS) -> None:
        self.lists = lists
        self.limits = limits
        self._batch = BatchCompiler(lists)
        self._cache: dict[str, CompiledPredicate] = {}

    def compile(self, checked: n.Node, params: Mapping[str, object]) -> CompiledPredicate:
        """Fold `params` into `checked` and compile; raises `ExpressionError` from folding."""
        folded = fold(checked, params, self.limits)
        k = n.key(folded)
        hit = self._cache.get(k)
        if hit is None:
            hit = self._cache[k] = CompiledPredicate(
                k, folded, compile_scalar(folded, self.lists), self._batch.truth(folded), features_of(folded)
            )
        return hit
