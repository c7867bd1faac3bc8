"""The layers run one way: schemas/ and risk/ at the bottom, tables/ and agents/ above, app/ and service/ on top.

A lower layer that imported a higher one would drag settings, CLIs or a framework into code that must run
anywhere (backtests, another engine); this test holds the direction, like the purity test holds the core.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = ("faust", "mode", "aiokafka", "kafka", "quixstreams", "confluent_kafka")
FORBIDDEN = {
    "schemas": ("app", "service", "agents", "tables", "risk", "modelplatform", "sim", *FRAMEWORKS),
    "risk": ("app", "service", "agents", "tables", "modelplatform", "sim", *FRAMEWORKS),
    "tables": ("app", "service", "modelplatform", "sim"),
    "agents": ("app", "service", "modelplatform", "sim"),
    "modelplatform": ("app", "service"),  # settings and the control plane are built at the entry point
    # the risk service sits beside app/: it may use schemas, risk, agents' codecs and app settings, never an engine
    "service": ("modelplatform", "sim", "faust", "mode", "quixstreams"),
}
# The framework adapters: the only modules of agents/ and tables/ that may import an engine.
ENGINE_ADAPTERS = {"agents/register.py": "faust", "agents/quix_dataframes.py": "quixstreams",
                   "tables/state.py": "faust", "service/sink.py": "confluent_kafka",
                   "service/decide/replies.py": "confluent_kafka", "service/console/publish.py": "confluent_kafka"}


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.append(node.module or "")
    return [name.split(".")[0] for name in names]


MODULES = sorted(path for layer in FORBIDDEN for path in (ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_imports_a_layer_above_it(path):
    layer = path.relative_to(ROOT).parts[0]
    wrong = [name for name in _imports(path) if name in FORBIDDEN[layer]]
    assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}: {layer}/ sits below them"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_engine_adapters_import_an_engine(path):
    relative = str(path.relative_to(ROOT))
    engines = {name for name in _imports(path) if name in FRAMEWORKS}
    allowed = {ENGINE_ADAPTERS[relative]} if relative in ENGINE_ADAPTERS else set()
    assert engines <= allowed, f"{relative} imports {sorted(engines - allowed)}"
