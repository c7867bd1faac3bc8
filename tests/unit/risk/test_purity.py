"""The core is pure: nothing under risk/ may import Kafka, Faust or the adapters above it."""

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[3] / "risk"
FORBIDDEN = ("faust", "aiokafka", "kafka", "mode", "app", "agents", "tables")


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: str(p.relative_to(CORE)))
def test_core_module_imports_nothing_from_the_adapters(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"
