"""Every code the rule engine can report is lower snake_case, like every fraudstream code, and listed in
LANGUAGE.md, where rule authors look them up (`rules validate` prints them, scoring dead letters carry them)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

RULES = Path(__file__).resolve().parents[4] / "risk" / "rules"
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# Where the engine names a code: the argument at this index of these calls, and any `code = ...` assignment
# (an error class's own code, or a code chosen just before it is raised).
CODE_ARGUMENT = {"ExpressionError": 0, "Problem": 0, "problem": 0, "fail": 1}


def _strings(node: ast.expr) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)


def _code_nodes(tree: ast.AST) -> Iterator[ast.expr]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            index = CODE_ARGUMENT.get(name)
            if index is not None and len(node.args) > index:
                yield node.args[index]
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "code" for t in node.targets):
            yield node.value


CODES = sorted({(code, path.name) for path in RULES.glob("*.py")
                for node in _code_nodes(ast.parse(path.read_text())) for code in _strings(node)})
LANGUAGE = (RULES / "LANGUAGE.md").read_text()


def test_the_scan_finds_the_engines_codes():
    assert len({code for code, _ in CODES}) >= 40, CODES  # a scan that found nothing would pass the rest
    assert ("feature_type", "exceptions.py") in CODES and ("too_many_rules", "loader.py") in CODES


@pytest.mark.parametrize(("code", "module"), CODES, ids=[f"{m}:{c}" for c, m in CODES])
def test_every_rule_engine_code_is_snake_case(code, module):
    assert SNAKE.match(code), f"risk/rules/{module} reports {code!r}"


@pytest.mark.parametrize(("code", "module"), CODES, ids=[f"{m}:{c}" for c, m in CODES])
def test_every_rule_engine_code_is_listed_in_the_language_guide(code, module):
    assert f"`{code}`" in LANGUAGE, f"risk/rules/{module} reports {code!r}, which LANGUAGE.md does not list"
