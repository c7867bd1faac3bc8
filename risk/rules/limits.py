"""Bounds that keep every expression cheap to parse, check and evaluate, whoever wrote it."""

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
