"""Bounds that keep every expression, and every ruleset, cheap to parse, check and evaluate, whoever wrote it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_chars: int = 2_000  # whole expression text
    max_depth: int = 48  # AST nesting, parentheses and unary chains included
    max_nodes: int = 400
    max_string: int = 256  # characters in one string literal
    max_abs_number: float = 1e15  # magnitude of one numeric literal
    max_tuple_items: int = 256
    max_exponent: float = 16.0  # |b| in `a ** b`; b must be a constant


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class RulesetLimits:
    """Bounds on a whole ruleset, checked on the raw document before anything costly is built, so an
    oversized ruleset is refused at once (`too_many_rules`, `list_too_large`) by `rules validate`,
    `rules publish` and every worker. Deployments set them from `FRAUDSTREAM_RULES_MAX_*`."""

    max_rules: int = 10_000  # a bank runs a few thousand; compiling 10k takes seconds, not minutes
    max_list_items: int = 1_000_000  # the largest block lists (devices, accounts); ~100 MB per worker each


DEFAULT_RULESET_LIMITS = RulesetLimits()
