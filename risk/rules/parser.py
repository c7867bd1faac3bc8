"""Text → AST. Lexical guards run first, then an LALR parse (no recursion), then a depth check, then the
conversion to `nodes` dataclasses, so hostile text is refused before any deep or costly work is done.

    >>> parse_expression("tx.amount >= 50000 and device.is_new").op
    'and'
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from risk.rules import nodes as n
from risk.rules.exceptions import ExpressionError
from risk.rules.grammar import GRAMMAR
from risk.rules.limits import DEFAULT_LIMITS, Limits

# Words from general-purpose languages that have no place in a rule; named so the error is explicit.
FORBIDDEN_WORDS = frozenset({
    "lambda", "import", "from", "for", "while", "if", "else", "def", "class", "return", "yield", "await",
    "async", "global", "nonlocal", "with", "as", "exec", "eval", "compile", "open", "del", "assert", "raise",
    "try", "except", "finally", "is",
})
_STRING_RE = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", lexer="basic", propagate_positions=True, maybe_placeholders=False)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def _mask_strings(text: str) -> str:
    """Blank out string literals (same length) so guards never look inside them."""
    return _STRING_RE.sub(lambda m: m.group(0)[0] + " " * (len(m.group(0)) - 2) + m.group(0)[-1], text)


def _lexical_guards(text: str, limits: Limits) -> None:
    if not text.strip():
        raise ExpressionError("empty_expression", "the expression is empty", 1, 1)
    if len(text) > limits.max_chars:
        raise ExpressionError(
            "expression_too_long", f"expression has {len(text)} characters, the limit is {limits.max_chars}", 1, 1
        )
    for m in _STRING_RE.finditer(text):
        if len(m.group(0)) - 2 > limits.max_string:
            line, col = _line_col(text, m.start())
            raise ExpressionError(
                "literal_too_large",
                f"string literal of {len(m.group(0)) - 2} characters, the limit is {limits.max_string}",
                line,
                col,
            )
    masked = _mask_strings(text)
    depth = 0
    for i, ch in enumerate(masked):
        if ch == "(":
            depth += 1
            if depth > limits.max_depth:
                line, col = _line_col(text, i)
                raise ExpressionError(
                    "nesting_too_deep", f"more than {limits.max_depth} nested parentheses", line, col
                )
        elif ch == ")":
            depth -= 1
    for m in _WORD_RE.finditer(masked):
        word = m.group(0)
        if word.startswith("__") or word in FORBIDDEN_WORDS:
            line, col = _line_col(text, m.start())
            code = "forbidden_name" if word.startswith("__") else "forbidden_keyword"
            raise ExpressionError(code, f"'{word}' is not allowed in a rule expression", line, col)
    for bad, what in (("[", "list displays and comprehensions"), ("{", "dict/set displays"), (";", "statements"),
                      ("=>", "arrow functions"), (":", "slices and lambdas")):
        idx = masked.find(bad)
        if idx >= 0:
            line, col = _line_col(text, idx)
            raise ExpressionError("forbidden_syntax", f"'{bad}' is not part of the language ({what})", line, col)


def _tree_guards(tree: Tree[Token], limits: Limits) -> None:
    """Depth and size of the parse tree, measured without recursion."""
    stack: list[tuple[Tree[Token] | Token, int]] = [(tree, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        if isinstance(node, Tree):
            count += 1
            if count > limits.max_nodes:
                raise ExpressionError("expression_too_large", f"more than {limits.max_nodes} nodes", 1, 1)
            if depth > limits.max_depth:
                meta = node.meta
                raise ExpressionError(
                    "nesting_too_deep",
                    f"expression nested deeper than {limits.max_depth} levels",
                    getattr(meta, "line", 1),
                    getattr(meta, "column", 1),
                )
            stack.extend((child, depth + 1) for child in node.children)


def _pos(meta_or_token: object) -> n.Pos:
    line = getattr(meta_or_token, "line", None) or 1
    col = getattr(meta_or_token, "column", None) or 1
    return n.Pos(int(line), int(col))


def _number(tok: Token, limits: Limits, negative: bool = False) -> n.Num:
    value = float(str(tok).replace("_", ""))
    if not abs(value) <= limits.max_abs_number:
        raise ExpressionError(
            "literal_too_large", f"number {str(tok)[:40]} exceeds {limits.max_abs_number:g}", tok.line, tok.column
        )
    return n.Num(pos=_pos(tok), value=-value if negative else value)


class _ToAst(Transformer[Token, n.Node]):
    """Parse tree → `nodes`; only runs after `_tree_guards`, so its recursion depth is bounded."""

    def __init__(self, limits: Limits) -> None:
        super().__init__()
        self.limits = limits

    def start(self, children: list[n.Node]) -> n.Node:
        return children[0]

    @v_args(meta=True)
    def or_op(self, meta: object, c: list[n.Node]) -> n.Node:
        return self._boolop("or", meta, c)

    @v_args(meta=True)
    def and_op(self, meta: object, c: list[n.Node]) -> n.Node:
        return self._boolop("and", meta, c)

    def _boolop(self, op: str, meta: object, c: list[n.Node]) -> n.Node:
        operands: list[n.Node] = []
        for child in c:  # flatten a and b and c into one node
            if isinstance(child, n.BoolOp) and child.op == op:
                operands.extend(child.operands)
            else:
                operands.append(child)
        return n.BoolOp(pos=_pos(meta), op=op, operands=tuple(operands))

    @v_args(meta=True)
    def not_op(self, meta: object, c: list[n.Node]) -> n.Node:
        return n.Unary(pos=_pos(meta), op="not", operand=c[0])

    @v_args(meta=True)
    def neg(self, meta: object, c: list[n.Node]) -> n.Node:
        return n.Unary(pos=_pos(meta), op="neg", operand=c[-1])

    @v_args(meta=True)
    def compare(self, meta: object, c: list[Any]) -> n.Node:
        return n.Compare(pos=_pos(c[1]), op=str(c[1]), left=c[0], right=c[2])

    @v_args(meta=True)
    def binop(self, meta: object, c: list[Any]) -> n.Node:
        return n.Binary(pos=_pos(c[1]), op=str(c[1]), left=c[0], right=c[2])

    @v_args(meta=True)
    def in_op(self, meta: object, c: list[Any]) -> n.Node:
        return n.In(pos=_pos(meta), operand=c[0], items=c[1], negate=False)

    @v_args(meta=True)
    def not_in_op(self, meta: object, c: list[Any]) -> n.Node:
        return n.In(pos=_pos(meta), operand=c[0], items=c[1], negate=True)

    @v_args(meta=True)
    def between(self, meta: object, c: list[Any]) -> n.Node:
        return n.Between(pos=_pos(meta), operand=c[0], low=c[1], high=c[2], negate=False)

    @v_args(meta=True)
    def not_between(self, meta: object, c: list[Any]) -> n.Node:
        return n.Between(pos=_pos(meta), operand=c[0], low=c[1], high=c[2], negate=True)

    @v_args(meta=True)
    def tuple_lit(self, meta: object, c: list[Any]) -> n.Node:
        items = tuple(x for x in c if x is not None)
        if len(items) > self.limits.max_tuple_items:
            p = _pos(meta)
            raise ExpressionError(
                "literal_too_large", f"list of {len(items)} items, the limit is {self.limits.max_tuple_items}",
                p.line, p.col,
            )
        return n.TupleLit(pos=_pos(meta), items=items)

    def number(self, c: list[Token]) -> n.Node:
        return _number(c[0], self.limits)

    def neg_number(self, c: list[Token]) -> n.Node:
        return _number(c[-1], self.limits, negative=True)

    def string(self, c: list[Token]) -> n.Node:
        return n.Str(pos=_pos(c[0]), value=str(c[0])[1:-1])

    @v_args(meta=True)
    def true(self, meta: object, c: list[Any]) -> n.Node:
        return n.Bool(pos=_pos(meta), value=True)

    @v_args(meta=True)
    def false(self, meta: object, c: list[Any]) -> n.Node:
        return n.Bool(pos=_pos(meta), value=False)

    def param(self, c: list[Token]) -> n.Node:
        return n.Param(pos=_pos(c[0]), name=str(c[0])[1:])

    def dotted(self, c: list[Token]) -> n.Node:
        return n.Name(pos=_pos(c[0]), parts=tuple(str(t) for t in c))

    def call(self, c: list[Any]) -> n.Node:
        name = c[0]
        return n.Call(pos=name.pos, name=name, args=tuple(x for x in c[1:] if x is not None))


def _syntax_error(text: str, err: UnexpectedInput) -> ExpressionError:
    line, col = getattr(err, "line", 1) or 1, getattr(err, "column", 1) or 1
    if isinstance(err, UnexpectedEOF):
        line, col = _line_col(text, len(text))
        return ExpressionError("syntax_error", "the expression ends too early", line, col)
    if isinstance(err, UnexpectedCharacters):
        at = err.pos_in_stream
        ch = text[at] if at is not None and at < len(text) else "?"
        return ExpressionError("syntax_error", f"unexpected character {ch!r}", line, col)
    if isinstance(err, UnexpectedToken):
        tok = err.token
        shown = "end of expression" if tok.type == "$END" else repr(str(tok))
        expected = sorted(e for e in err.expected if not e.startswith("__"))[:6]
        return ExpressionError(
            "syntax_error", f"unexpected {shown}; expected one of {', '.join(expected)}", line, col
        )
    return ExpressionError("syntax_error", str(err).splitlines()[0], line, col)


def parse_expression(text: str, limits: Limits = DEFAULT_LIMITS) -> n.Node:
    """Parse one rule expression into an untyped AST; raise `ExpressionError` with line:col on failure."""
    _lexical_guards(text, limits)
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as err:
        raise _syntax_error(text, err) from None
    _tree_guards(tree, limits)
    try:
        ast: n.Node = _ToAst(limits).transform(tree)
        return ast
    except Exception as err:  # lark wraps callback errors in VisitError
        inner = getattr(err, "orig_exc", err)
        if isinstance(inner, ExpressionError):
            raise inner from None
        raise
