"""`fraudstream worker` imports only what a worker runs: a restart after a kill -9 should decide within seconds
(issue 15), and the offline tools' imports (model training, simulator, history import) cost over a second."""

import subprocess
import sys

OFFLINE = ("lightgbm", "scipy", "sim", "modelplatform.train", "app.field_mapping", "app.commands.backtest")


def _modules_after(argv: list[str], imports: str) -> set[str]:
    code = f"import sys; sys.argv={argv!r}; {imports}; print(' '.join(sys.modules))"
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, check=True,
                          timeout=120)
    return set(done.stdout.split())


def test_the_worker_command_line_imports_no_offline_tool_and_the_quix_worker_no_faust():
    loaded = _modules_after(["fraudstream", "worker"], "import app.cli, app.worker, app.quix_app")
    assert not loaded & set(OFFLINE), loaded & set(OFFLINE)
    assert not {m for m in loaded if m == "mode" or m.startswith(("faust.", "mode."))}  # `faust` itself is a lazy stub


def test_every_other_command_line_still_mounts_the_offline_tools():
    assert "app.commands.backtest" in _modules_after(["fraudstream", "backtest"], "import app.cli")
