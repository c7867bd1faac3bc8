"""The expression AST: small frozen dataclasses with source positions and, once checked, a type.

The parser builds these; the checker returns a copy with `type` filled in and constants folded; the
compiler turns a checked tree into closures. `key(node)` is a canonical text used to share identical
sub-expressions between rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Type(StrEnum):
    """Static types of the language. Lists only appear on the right of `in`."""

    NUM = "number"
    BOOL = "bool"
    STR = "string"
    NUM_LIST = "list of numbers"
    STR_LIST = "list of strings"


@dataclass(frozen=True)
class Pos:
    line: int
    col: int


# Keyword-only with every child required: a node can never be built half-empty, so code that walks the
# tree needs no None checks. `pos` and `type` do not take part in equality: equal trees evaluate equally.
@dataclass(frozen=True, kw_only=True)
class Node:
    pos: Pos = field(compare=False)
    type: Type | None = field(default=None, compare=False)


@dataclass(frozen=True, kw_only=True)
class Num(Node):
    value: float


@dataclass(frozen=True, kw_only=True)
class Str(Node):
    value: str


@dataclass(frozen=True, kw_only=True)
class Bool(Node):
    value: bool


@dataclass(frozen=True, kw_only=True)
class Param(Node):
    name: str


@dataclass(frozen=True, kw_only=True)
class Name(Node):
    """A dotted name as written; the checker accepts only catalogue features `entity.feature`."""

    parts: tuple[str, ...]

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True, kw_only=True)
class TupleLit(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, kw_only=True)
class Unary(Node):
    op: str  # "neg" or "not"
    operand: Node


@dataclass(frozen=True, kw_only=True)
class Binary(Node):
    op: str  # + - * / % **
    left: Node
    right: Node


@dataclass(frozen=True, kw_only=True)
class Compare(Node):
    op: str  # == != < <= > >=
    left: Node
    right: Node


@dataclass(frozen=True, kw_only=True)
class BoolOp(Node):
    op: str  # "and" or "or"
    operands: tuple[Node, ...]


@dataclass(frozen=True, kw_only=True)
class In(Node):
    operand: Node
    items: Node  # TupleLit or Param (a Param is folded into a TupleLit before compiling)
    negate: bool


@dataclass(frozen=True, kw_only=True)
class Between(Node):
    operand: Node
    low: Node
    high: Node
    negate: bool


@dataclass(frozen=True, kw_only=True)
class Call(Node):
    name: Name
    args: tuple[Node, ...]


def type_of(node: Node) -> Type:
    """The static type of a checked node (the checker sets it on every node it accepts)."""
    if node.type is None:
        raise TypeError(f"{type(node).__name__} at {node.pos.line}:{node.pos.col} has not been type-checked")
    return node.type


def literal_value(node: Node) -> float | str | bool:
    """The value of a literal node (numbers as float)."""
    if isinstance(node, Num):
        return float(node.value)
    if isinstance(node, Str | Bool):
        return node.value
    raise TypeError(f"{type(node).__name__} is not a literal")


def children(node: Node) -> tuple[Node, ...]:
    """Direct sub-expressions, for generic walks."""
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary | Compare):
        return (node.left, node.right)
    if isinstance(node, BoolOp):
        return node.operands
    if isinstance(node, In):
        return (node.operand, node.items)
    if isinstance(node, Between):
        return (node.operand, node.low, node.high)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, TupleLit):
        return node.items
    return ()


def key(node: Node) -> str:
    """Canonical text of a node, independent of positions; equal keys evaluate equally."""
    if isinstance(node, Num):
        return repr(float(node.value))
    if isinstance(node, Str):
        return repr(node.value)
    if isinstance(node, Bool):
        return "true" if node.value else "false"
    if isinstance(node, Param):
        return "$" + node.name
    if isinstance(node, Name):
        return node.dotted
    if isinstance(node, TupleLit):
        return "(" + ",".join(key(i) for i in node.items) + ",)"
    if isinstance(node, Unary):
        return f"({node.op} {key(node.operand)})"
    if isinstance(node, Binary | Compare):
        return f"({key(node.left)} {node.op} {key(node.right)})"
    if isinstance(node, BoolOp):
        return "(" + f" {node.op} ".join(key(o) for o in node.operands) + ")"
    if isinstance(node, In):
        neg = "not in" if node.negate else "in"
        return f"({key(node.operand)} {neg} {key(node.items)})"
    if isinstance(node, Between):
        neg = "not between" if node.negate else "between"
        return f"({key(node.operand)} {neg} {key(node.low)} and {key(node.high)})"
    if isinstance(node, Call):
        return f"{node.name.dotted}(" + ", ".join(key(a) for a in node.args) + ")"
    raise TypeError(f"unknown node {type(node).__name__}")


def params_used(node: Node) -> set[str]:
    """Names of every `$param` in the tree."""
    found: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Param):
            found.add(n.name)
        stack.extend(children(n))
    return found
