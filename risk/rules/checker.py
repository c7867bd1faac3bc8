"""Names and types: resolve every name against the feature catalogue, every call against the function
table, every `$param` against the ruleset's parameters, and give each node its static type.

Problems are collected (not raised one by one) so an analyst sees all of them at once; a node whose type
could not be decided is left untyped and checks above it are skipped, so one mistake is reported once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from risk.features.catalog import FEATURES, FeatureSpec
from risk.rules import nodes as n
from risk.rules.exceptions import ExpressionError, SignatureError
from risk.rules.functions import FUNCTIONS
from risk.rules.problems import did_you_mean

Type = n.Type
_FEATURE_TYPES = {"float": Type.NUM, "int": Type.NUM, "bool": Type.BOOL, "str": Type.STR}


def feature_type(spec: FeatureSpec) -> Type:
    return _FEATURE_TYPES[spec.dtype]


def param_type(value: object) -> Type | None:
    """Static type of a parameter value, or None when the value is not a legal parameter."""
    if isinstance(value, bool):
        return Type.BOOL
    if isinstance(value, int | float):
        return Type.NUM
    if isinstance(value, str):
        return Type.STR
    if isinstance(value, list | tuple) and value:
        if all(isinstance(v, str) for v in value):
            return Type.STR_LIST
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            return Type.NUM_LIST
    return None


@dataclass
class CheckEnv:
    """What names an expression may use."""

    param_types: Mapping[str, Type] = field(default_factory=dict)
    list_names: frozenset[str] = frozenset()
    features: Mapping[str, FeatureSpec] = field(default_factory=lambda: FEATURES)


@dataclass
class _Checker:
    env: CheckEnv
    errors: list[ExpressionError] = field(default_factory=list)

    def fail(self, node: n.Node, code: str, message: str) -> None:
        self.errors.append(ExpressionError(code, message, node.pos.line, node.pos.col))

    def check(self, node: n.Node) -> n.Node:
        method: Callable[[Any], n.Node] = getattr(self, f"_{type(node).__name__.lower()}")
        return method(node)

    # leaves
    def _num(self, node: n.Num) -> n.Node:
        return replace(node, type=Type.NUM)

    def _str(self, node: n.Str) -> n.Node:
        return replace(node, type=Type.STR)

    def _bool(self, node: n.Bool) -> n.Node:
        return replace(node, type=Type.BOOL)

    def _param(self, node: n.Param) -> n.Node:
        t = self.env.param_types.get(node.name)
        if t is None:
            hint = did_you_mean(node.name, self.env.param_types)
            self.fail(node, "unknown_param", f"unknown parameter '${node.name}'{hint}")
            return node
        return replace(node, type=t)

    def _name(self, node: n.Name) -> n.Node:
        dotted = node.dotted
        if len(node.parts) > 2:
            self.fail(node, "attribute_access",
                      f"'{dotted}': attribute access is not allowed; names are 'entity.feature'")
            return node
        spec = self.env.features.get(dotted)
        if spec is None:
            hint = did_you_mean(dotted, self.env.features)
            self.fail(node, "unknown_feature", f"unknown feature '{dotted}'{hint}")
            return node
        return replace(node, type=feature_type(spec))

    def _tuplelit(self, node: n.TupleLit) -> n.Node:
        items = tuple(self.check(i) for i in node.items)
        if not items:
            self.fail(node, "empty_list", "an empty list never matches")
            return node
        kinds = {i.type for i in items}
        if kinds == {Type.NUM}:
            return replace(node, items=items, type=Type.NUM_LIST)
        if kinds == {Type.STR}:
            return replace(node, items=items, type=Type.STR_LIST)
        self.fail(node, "type_mismatch", "a list must hold only numbers or only strings")
        return replace(node, items=items)

    # operators
    def _unary(self, node: n.Unary) -> n.Node:
        operand = self.check(node.operand)
        out = replace(node, operand=operand)
        want = Type.BOOL if node.op == "not" else Type.NUM
        if operand.type is None:
            return out
        if operand.type is not want:
            what = "'not'" if node.op == "not" else "unary '-'"
            self.fail(node, "type_mismatch", f"{what} needs a {want.value}, got {operand.type.value}")
            return out
        return replace(out, type=want)

    def _binary(self, node: n.Binary) -> n.Node:
        left, right = self.check(node.left), self.check(node.right)
        out = replace(node, left=left, right=right)
        if left.type is None or right.type is None:
            return out
        for side in (left, right):
            if side.type is not Type.NUM:
                self.fail(side, "type_mismatch", f"'{node.op}' needs numbers, got {n.type_of(side).value}")
                return out
        return replace(out, type=Type.NUM)

    def _compare(self, node: n.Compare) -> n.Node:
        left, right = self.check(node.left), self.check(node.right)
        out = replace(node, left=left, right=right)
        lt, rt = left.type, right.type
        if lt is None or rt is None:
            return out
        if lt is not rt or lt in (Type.NUM_LIST, Type.STR_LIST):
            self.fail(node, "type_mismatch", f"cannot compare {lt.value} with {rt.value}")
            return out
        if node.op not in ("==", "!=") and lt is not Type.NUM:
            self.fail(node, "type_mismatch", f"'{node.op}' orders numbers only, got {lt.value}")
            return out
        return replace(out, type=Type.BOOL)

    def _boolop(self, node: n.BoolOp) -> n.Node:
        operands = tuple(self.check(o) for o in node.operands)
        out = replace(node, operands=operands)
        ok = True
        for o in operands:
            if o.type is None:
                ok = False
            elif o.type is not Type.BOOL:
                self.fail(o, "type_mismatch", f"'{node.op}' needs bool operands, got {o.type.value}")
                ok = False
        return replace(out, type=Type.BOOL) if ok else out

    def _in(self, node: n.In) -> n.Node:
        operand, items = self.check(node.operand), self.check(node.items)
        out = replace(node, operand=operand, items=items)
        if operand.type is None or items.type is None:
            return out
        want = {Type.NUM: Type.NUM_LIST, Type.STR: Type.STR_LIST}.get(operand.type)
        if items.type is not want:
            self.fail(node, "type_mismatch", f"'in' cannot look for a {operand.type.value} in a {items.type.value}")
            return out
        return replace(out, type=Type.BOOL)

    def _between(self, node: n.Between) -> n.Node:
        parts = [self.check(x) for x in (node.operand, node.low, node.high)]
        out = replace(node, operand=parts[0], low=parts[1], high=parts[2])
        if any(p.type is None for p in parts):
            return out
        for p in parts:
            if p.type is not Type.NUM:
                self.fail(p, "type_mismatch", f"'between' needs numbers, got {n.type_of(p).value}")
                return out
        return replace(out, type=Type.BOOL)

    def _call(self, node: n.Call) -> n.Node:
        name = node.name.dotted
        if len(node.name.parts) > 1:
            self.fail(node, "attribute_access", f"'{name}(...)': method calls are not allowed")
            return node
        fn = FUNCTIONS.get(name)
        if fn is None:
            self.fail(node, "unknown_function", f"unknown function '{name}'{did_you_mean(name, FUNCTIONS)}")
            return node
        args = tuple(self.check(a) for a in node.args)
        out = replace(node, args=args)
        count = len(args)
        if count < fn.min_args or (fn.max_args is not None and count > fn.max_args):
            most = "" if fn.max_args == fn.min_args else f" to {fn.max_args}"
            self.fail(node, "wrong_arity", f"{name}() takes {fn.min_args}{most} arguments, got {count}")
            return out
        for i in fn.literal_args:
            if not isinstance(args[i], n.Str):
                self.fail(args[i], "literal_required", f"argument {i + 1} of {name}() must be a string literal")
                return out
        if name == "in_list":
            list_name = str(n.literal_value(args[0]))  # a string literal: checked just above
            if list_name not in self.env.list_names:
                hint = did_you_mean(list_name, self.env.list_names)
                self.fail(args[0], "unknown_list", f"unknown list '{list_name}'{hint}")
                return out
        if any(a.type is None for a in args):
            return out
        try:
            result = fn.typing([n.type_of(a) for a in args])
        except SignatureError as err:
            at = args[err.arg_index] if err.arg_index is not None else node
            self.fail(at, "type_mismatch", f"{name}(): {err}")
            return out
        return replace(out, type=result)


def check_expression(node: n.Node, env: CheckEnv, *, want: Type | None = Type.BOOL) -> n.Node:
    """Type the tree; raise the first problem if any (use `check_all` to get all of them)."""
    typed, errors = check_all(node, env, want=want)
    if errors:
        raise errors[0]
    return typed


def check_all(node: n.Node, env: CheckEnv, *, want: Type | None = Type.BOOL) -> tuple[n.Node, list[ExpressionError]]:
    """Type the tree and return it with every problem found."""
    checker = _Checker(env)
    typed = checker.check(node)
    if not checker.errors and want is not None and typed.type is not want:
        checker.fail(typed, "not_a_condition",
                     f"a rule must be a condition (bool), this expression is a {n.type_of(typed).value}")
    return typed, checker.errors
