"""One error model: every error class derives from FraudstreamError, lives in its package's exceptions.py,
and carries a stable snake_case code; dead-letter codes are the published enum."""

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

from app.control.records import Refusal
from risk.validation import _PYDANTIC_CODES
from schemas.dead_letter import DeadLetterCode
from schemas.exceptions import FraudstreamError

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("schemas", "risk", "tables", "agents", "app", "service", "sim", "modelplatform", "bench")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# Known gaps, each a strict xfail until it moves (none left).
PENDING: set[str] = set()


def _modules():
    for package in PACKAGES:
        yield importlib.import_module(package)
        for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            if not info.name.endswith("__main__") and info.name != "service.migrations.env":  # Alembic runs it
                yield importlib.import_module(info.name)


ERRORS = sorted({obj for module in _modules() for obj in vars(module).values()
                 if isinstance(obj, type) and issubclass(obj, BaseException) and obj.__module__.startswith(PACKAGES)},
                key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _params(classes, pending):
    """Known gaps are strict xfails: when their owner fixes one, the test says to drop it from the list."""
    return [pytest.param(cls, id=_name(cls), marks=[pytest.mark.xfail(strict=True, reason="owned elsewhere")]
                         if pending(cls) else []) for cls in classes]


@pytest.mark.parametrize("cls", _params(ERRORS, lambda cls: _name(cls) in PENDING))
def test_every_error_class_is_a_fraudstream_error_in_an_exceptions_module(cls):
    assert issubclass(cls, FraudstreamError), f"{_name(cls)} does not derive from FraudstreamError"
    assert cls.__module__.rsplit(".", 1)[-1] == "exceptions", f"{_name(cls)} lives outside its exceptions.py"


@pytest.mark.parametrize("cls", [c for c in ERRORS if issubclass(c, FraudstreamError)], ids=_name)
def test_every_error_code_is_snake_case_and_its_own(cls):
    assert SNAKE.match(cls.code), f"{cls.__qualname__}.code = {cls.code!r}"
    assert cls is FraudstreamError or cls.code != FraudstreamError.code, f"{cls.__qualname__} inherits the root's code"


def test_every_code_a_dead_letter_can_carry_is_in_the_published_enum():
    produced = {*_PYDANTIC_CODES.values(), *(str(r) for r in Refusal)}
    assert produced <= {str(c) for c in DeadLetterCode}


def test_every_dead_letter_code_is_in_the_readme_table():
    readme = (ROOT / "README.md").read_text()
    missing = [str(c) for c in DeadLetterCode if f"| `{c}` |" not in readme]
    assert not missing, f"README's dead-letter code table lacks {missing}"
