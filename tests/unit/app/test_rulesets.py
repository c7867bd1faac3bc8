"""The bundle is the published unit: the same files give the same bytes in every process."""

import subprocess
import sys

from app.rulesets import bundle
from app.settings import Settings

_BUNDLE = "from pathlib import Path; from app.rulesets import bundle; print(bundle(Path('rules/starter.yaml')), end='')"


def test_the_same_files_bundle_to_the_same_bytes_in_another_process():
    others = {subprocess.run([sys.executable, "-c", _BUNDLE], capture_output=True, text=True, check=True,
                             env={"PYTHONHASHSEED": str(seed)}).stdout for seed in (1, 2)}
    assert others == {bundle(Settings().ruleset_path)}
