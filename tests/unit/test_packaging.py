"""Packaging: the runtime core works without the [tools] extra, and requirements.lock covers pyproject.toml."""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LOCK = (ROOT / "requirements.lock").read_text()

# A Python with the [tools] extra's modules made unimportable (None in sys.modules fails every import of them).
WITHOUT_TOOLS = "import sys; sys.modules.update(matplotlib=None, pyarrow=None); "


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", WITHOUT_TOOLS + code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)


def test_the_worker_and_every_command_import_without_the_tools_extra():
    done = _run("import app.cli, app.worker, app.commands.backtest, app.replay, agents.register; print('ok')")
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_a_command_that_needs_the_tools_extra_says_which_to_install(tmp_path):
    done = _run("import sys; from app import cli; sys.argv = ['fraudstream', 'backtest', '--rules', "
                f"'rules/starter.yaml', '--simulate-days', '1', '--png', '{tmp_path / 'bt.png'}']; cli.main()")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error[extra_missing]: --png needs matplotlib")
    assert "fraudstream[tools]" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_module_of_the_extra_imported_deep_in_a_command_still_ends_in_one_line(tmp_path):
    """`model train` draws its charts through modelplatform/plots.py, which imports matplotlib directly."""
    done = _run(f"import sys; from app import cli; sys.argv = ['fraudstream', 'model', 'train', '--history', "
                f"'{tmp_path}', '--version', 'x', '--root', '{tmp_path}']; cli.main()")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error[extra_missing]: matplotlib is not installed"), done.stderr


def _locked() -> dict[str, list[str]]:
    versions: dict[str, list[str]] = {}
    for line in LOCK.splitlines():
        if line and not line.startswith((" ", "#")):
            name, _, rest = line.partition("==")
            versions.setdefault(canonicalize_name(name), []).append(rest.split(";")[0].strip())
    return versions


DECLARED = [*PYPROJECT["project"]["dependencies"],
            *(dep for extra in PYPROJECT["project"]["optional-dependencies"].values() for dep in extra)]


@pytest.mark.parametrize("declared", DECLARED)
def test_the_lock_pins_every_declared_dependency_within_its_bounds(declared):
    """Fails when a dependency was added or re-bounded in pyproject.toml without `make lock`."""
    requirement = Requirement(declared)
    pins = _locked().get(canonicalize_name(requirement.name))
    assert pins, f"{requirement.name} is not in requirements.lock: run `make lock`"
    assert all(requirement.specifier.contains(pin, prereleases=True) for pin in pins), (
        f"requirements.lock pins {requirement.name}=={pins}, outside {requirement.specifier}: run `make lock`")


def test_every_runtime_dependency_has_an_upper_bound():
    unbounded = [dep for dep in PYPROJECT["project"]["dependencies"]
                 if not any(spec.operator in {"<", "<=", "==", "~="} for spec in Requirement(dep).specifier)]
    assert not unbounded, f"a new major version could break us: bound {unbounded}"
