"""The core stays pure: no Kafka/Faust imports, no filesystem outside the loader modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[4] / "risk"
FORBIDDEN_MODULES = {"faust", "aiokafka", "kafka", "pickle", "marshal", "shelve", "subprocess"}
LOADERS = {"risk/rules/loader.py", "risk/policy/loader.py"}
FILE_CALLS = {"open", "read_text", "read_bytes", "write_text", "write_bytes"}
SOURCES = sorted([*(CORE / "rules").rglob("*.py"), *(CORE / "policy").rglob("*.py")])


def _rel(p: Path) -> str:
    return str(p.relative_to(CORE.parent))


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_core_module_imports_no_broker_or_unsafe_module(path: Path) -> None:
    tree = ast.parse(path.read_text())
    names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert names & FORBIDDEN_MODULES == set()


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_core_module_never_evaluates_text(path: Path) -> None:
    tree = ast.parse(path.read_text())
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert calls & {"eval", "exec", "compile", "__import__"} == set()


@pytest.mark.parametrize("path", [p for p in SOURCES if _rel(p) not in LOADERS], ids=_rel)
def test_only_loaders_touch_files(path: Path) -> None:
    tree = ast.parse(path.read_text())
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    calls |= {n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
    assert calls & FILE_CALLS == set()
