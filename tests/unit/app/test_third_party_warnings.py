"""A worker's start and every command print no third-party warning a user cannot act on."""

from __future__ import annotations

import subprocess
import sys

from app.processes import ROOT


def test_worker_imports_print_no_authlib_deprecation() -> None:
    # what `fraudstream worker` imports on the Quix engine, in a fresh interpreter with default warning filters
    code = "import sys; sys.argv = ['fraudstream', 'worker']; import app.cli; import app.quix_app"
    run = subprocess.run([sys.executable, "-W", "default", "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert "Warning" not in run.stderr, run.stderr
