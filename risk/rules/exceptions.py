"""Typed errors of the rule engine; each carries a stable `code` for the CLI and JSON output.

Compile-time problems (syntax, names, types, limits) are collected as `Problem`s and raised together in
one `RulesetCompileError`; runtime errors (a feature of the wrong type) are raised while evaluating.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from risk.exceptions import RiskError


@dataclass(frozen=True)
class Problem:
    """One finding about a ruleset: where it is, its stable code and a message for a human."""

    code: str
    message: str
    rule_id: str | None = None
    line: int | None = None
    col: int | None = None
    source: str | None = None
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.rule_id:
            where.append(f"rule {self.rule_id}")
        if self.line is not None:
            where.append(f"{self.line}:{self.col}")
        prefix = " ".join(where)
        return f"{prefix}: [{self.code}] {self.message}" if prefix else f"[{self.code}] {self.message}"


class RuleError(RiskError):
    """Base of every rule-engine error."""

    code = "rule_error"


class ExpressionError(RuleError):
    """One expression was rejected (syntax, name, type or limit); carries its position."""

    def __init__(self, code: str, message: str, line: int | None = None, col: int | None = None) -> None:
        self.code = code
        self.message = message
        self.line = line
        self.col = col
        where = f"{line}:{col}: " if line is not None else ""
        super().__init__(f"{where}[{code}] {message}")

    def to_problem(self, rule_id: str | None = None, source: str | None = None) -> Problem:
        return Problem(self.code, self.message, rule_id, self.line, self.col, source)


class RulesetCompileError(RuleError):
    """A ruleset failed to load or compile; `problems` holds every error found, not just the first."""

    code = "ruleset_invalid"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in ruleset:\n{lines}")


class RulesetLimitError(RulesetCompileError):
    """A ruleset or one of its lists is over a `RulesetLimits` bound; `code` is the problem's code."""

    def __init__(self, problem: Problem) -> None:
        super().__init__([problem])
        self.code = problem.code


class RuleRuntimeError(RuleError):
    """Evaluation met input it cannot interpret, e.g. a string where a number feature was expected."""

    code = "rule_runtime"


class FeatureTypeError(RuleRuntimeError):
    """A feature value does not match the catalogue's dtype."""

    code = "feature_type"


class BatchShapeError(RuleRuntimeError):
    """Batch columns, branch paths and event times disagree in length."""

    code = "batch_shape"


class SignatureError(RuleError):
    """Raised by a function's typing rule; the checker turns it into a positioned problem."""

    code = "type_mismatch"  # what the checker reports it as

    def __init__(self, message: str, arg_index: int | None = None) -> None:
        super().__init__(message)
        self.arg_index = arg_index
