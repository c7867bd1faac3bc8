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
    # the top-level `and` operands with their keys (the whole node when it is not an `and`): computed once
    # here, read by every branch variant's plan
    conjuncts: tuple[tuple[str, n.Node], ...]


def conjuncts_of(node: n.Node) -> tuple[tuple[str, n.Node], ...]:
    parts = node.operands if isinstance(node, n.BoolOp) and node.op == "and" else (node,)
    return tuple((n.key(part), part) for part in parts)


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
    """Compiles checked rule trees for given parameter values, caching by folded expression.

    A rule is compiled once per declared scope when a ruleset is checked, and again per branch variant
    when it runs; most scopes change none of the parameters a given rule reads, so the fold itself is
    cached too, by the tree and the values of the parameters it uses. That keeps checking and applying a
    ruleset linear in its rules, whatever the number of scopes.
    """

    def __init__(self, lists: Mapping[str, frozenset[str]], limits: Limits = DEFAULT_LIMITS) -> None:
        self.lists = lists
        self.limits = limits
        self._batch = BatchCompiler(lists)
        self._cache: dict[str, CompiledPredicate] = {}
        # id(tree) -> (tree, its params); the tree is held so its id is never reused while cached
        self._uses: dict[int, tuple[n.Node, tuple[str, ...]]] = {}
        self._folded: dict[tuple[int, tuple[str, ...]], CompiledPredicate] = {}

    def compile(self, checked: n.Node, params: Mapping[str, object]) -> CompiledPredicate:
        """Fold `params` into `checked` and compile; raises `ExpressionError` from folding."""
        uses = self._uses.get(id(checked))
        if uses is None:
            uses = self._uses[id(checked)] = (checked, tuple(sorted(n.params_used(checked))))
        memo = (id(checked), tuple(repr(params[p]) for p in uses[1]))
        hit = self._folded.get(memo)
        if hit is not None:
            return hit
        folded = fold(checked, params, self.limits)
        k = n.key(folded)
        hit = self._cache.get(k)
        if hit is None:
            hit = self._cache[k] = CompiledPredicate(
                k, folded, compile_scalar(folded, self.lists), self._batch.truth(folded), features_of(folded),
                conjuncts_of(folded))
        self._folded[memo] = hit
        return hit
