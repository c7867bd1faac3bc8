"""Every check a ruleset must pass before it can run, collecting all problems at once.

Used by `compile_ruleset` (which raises when an error is found) and by `validate` (which returns them
for the CLI). Expressions are parsed and type-checked once; then each declared scope's parameter values
are folded in, so problems that depend on values (an exponent set too high in one province) are found
before the ruleset goes live, not when the first transaction from that province arrives.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from risk.rules import nodes as n
from risk.rules.checker import CheckEnv, check_all, param_type
from risk.rules.compiler import PredicateCompiler
from risk.rules.exceptions import ExpressionError, Problem
from risk.rules.model import RulesetSpec
from risk.rules.parser import parse_expression
from risk.rules.problems import did_you_mean
from risk.rules.scope import resolve_scope


@dataclass
class Analysis:
    checked: dict[str, n.Node] = field(default_factory=dict)  # rule id → typed AST
    problems: list[Problem] = field(default_factory=list)
    # the compiler that folded every scope's variant; the ruleset reuses it, so nothing is compiled twice
    compiler: PredicateCompiler | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def list_sets(spec: RulesetSpec) -> dict[str, frozenset[str]]:
    return {name: frozenset(lst.items) for name, lst in spec.lists.items()}


def _non_finite(value: object) -> bool:
    """True for NaN, +Inf or -Inf, alone or in a list. Such a threshold has no order (NaN) or no sense
    (Inf), and the single-event and batch paths would disagree on it (`not (x < NaN)`), so it is refused."""
    items = value if isinstance(value, list | tuple) else (value,)
    return any(isinstance(v, float) and not math.isfinite(v) for v in items)


def analyse(spec: RulesetSpec) -> Analysis:
    out = Analysis()
    src = spec.source

    def problem(code: str, message: str, rule_id: str | None = None, severity: str = "error") -> None:
        out.problems.append(Problem(code, message, rule_id, None, None, src, severity))

    for rule_id, count in Counter(r.id for r in spec.rules).items():
        if count > 1:
            problem("duplicate_rule_id", f"rule id '{rule_id}' is used {count} times", rule_id)
    for path, count in Counter(s.path for s in spec.scopes).items():
        if count > 1:
            problem("duplicate_scope", f"scope '{path}' is declared {count} times")

    param_types = {}
    for name, value in spec.params.items():
        t = param_type(value)
        if t is None:
            problem("invalid_param", f"parameter '{name}' must be a number, bool, string or non-empty list of one kind")
        else:
            param_types[name] = t
            if _non_finite(value):
                problem("non_finite_param", f"parameter '{name}' is {value!r}; parameters must be finite numbers")

    rule_ids = {r.id for r in spec.rules}
    for scope in spec.scopes:
        for name, value in scope.params.items():
            if name not in spec.params:
                problem("unknown_param", f"scope '{scope.path}' sets undeclared parameter '{name}'"
                        f"{did_you_mean(name, spec.params)}")
            elif param_type(value) is not param_types.get(name):
                problem("param_type_mismatch", f"scope '{scope.path}' sets '{name}' to {value!r}, which is not a "
                        f"{param_types[name].value if name in param_types else 'valid value'}")
            elif _non_finite(value):
                problem("non_finite_param", f"scope '{scope.path}' sets '{name}' to {value!r}; "
                        "parameters must be finite numbers")
        for rule_id in [*scope.rules, *scope.disable, *scope.enable]:
            if rule_id not in rule_ids:
                problem("unknown_rule", f"scope '{scope.path}' refers to unknown rule '{rule_id}'"
                        f"{did_you_mean(rule_id, rule_ids)}")

    env = CheckEnv(param_types=param_types, list_names=frozenset(spec.lists))
    used_params: set[str] = set()
    for rule in spec.rules:
        if rule.valid_from is not None and rule.valid_until is not None and rule.valid_from >= rule.valid_until:
            problem("invalid_window", "valid_from must be before valid_until", rule.id)
        try:
            tree = parse_expression(rule.expression)
        except ExpressionError as err:
            out.problems.append(err.to_problem(rule.id, src))
            continue
        typed, errors = check_all(tree, env)
        out.problems.extend(e.to_problem(rule.id, src) for e in errors)
        if not errors:
            out.checked[rule.id] = typed
            used_params |= n.params_used(typed)
    for name in spec.params:
        if name not in used_params:
            problem("unused_param", f"parameter '{name}' is not used by any rule", severity="warning")

    if any(p.code in ("param_type_mismatch", "invalid_param", "non_finite_param") for p in out.problems):
        return out  # folding would trip over the same mistakes
    _fold_all_variants(spec, out)
    return out


def _fold_all_variants(spec: RulesetSpec, out: Analysis) -> None:
    compiler = out.compiler = PredicateCompiler(list_sets(spec))
    seen: set[tuple[str, str]] = set()
    params_by_path: dict[str, Mapping[str, object]] = {"": spec.params}
    for scope in spec.scopes:
        params_by_path[scope.path] = dict(resolve_scope(spec, scope.path).params)
    for rule in spec.rules:
        tree = out.checked.get(rule.id)
        if tree is None:
            continue
        for path, params in params_by_path.items():
            try:
                pred = compiler.compile(tree, params)
            except ExpressionError as err:
                if (rule.id, err.code) not in seen:
                    seen.add((rule.id, err.code))
                    where = f" (with the parameters of scope '{path}')" if path else ""
                    out.problems.append(Problem(err.code, err.message + where, rule.id, err.line, err.col,
                                                spec.source))
                continue
            if isinstance(pred.node, n.Bool) and (rule.id, "constant_rule") not in seen:
                seen.add((rule.id, "constant_rule"))
                out.problems.append(Problem("constant_rule", f"the condition is always {str(pred.node.value).lower()}",
                                            rule.id, None, None, spec.source, "warning"))
