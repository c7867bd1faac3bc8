import re
import subprocess
import sys
from pathlib import Path

import risk.model

BROKER_OR_PLATFORM = ("faust", "aiokafka", "kafka", "modelplatform", "joblib")
UNSAFE = re.compile(r"\bimport pickle\b|\bfrom pickle\b|\bjoblib\b|\beval\(|\bexec\(|\bmarshal\b")


def test_model_core_imports_no_broker_or_platform_modules():
    code = ("import sys, risk.model, risk.model.scorer, risk.model.lgbm_backend; "
            "print('\\n'.join(sorted(sys.modules)))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert [m for m in loaded if m.split(".")[0] in BROKER_OR_PLATFORM] == []


def test_model_core_source_never_unpickles_or_evaluates():
    package = Path(risk.model.__file__).parent
    hits = [f"{p.name}: {m.group()}" for p in package.glob("*.py") for m in UNSAFE.finditer(p.read_text())]
    assert hits == []
