"""The console's texts: one YAML catalogue per language (`messages/<lang>.yaml`), data rather than code.

A missing key shows as the key itself (visible, never a crash); a unit test holds the catalogues complete.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

MESSAGES = Path(__file__).resolve().parent / "messages"
UNITS = Path(__file__).resolve().parent / "units.yaml"
LANGUAGES = ("zh", "en")


@cache
def catalogue(language: str) -> dict[str, str]:
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r} is not one of {LANGUAGES}")
    data = yaml.safe_load((MESSAGES / f"{language}.yaml").read_text(encoding="utf-8"))
    return {str(key): str(value) for key, value in data.items()}


@cache
def _unit_rules() -> list[tuple[re.Pattern[str], str]]:
    data = yaml.safe_load(UNITS.read_text(encoding="utf-8"))
    return [(re.compile(rule["match"]), str(rule["unit"])) for rule in data["units"]]


def unit_key(feature: str) -> str | None:
    """The unit's message key for a feature name (first matching rule of units.yaml), or None."""
    for pattern, unit in _unit_rules():
        if pattern.search(feature):
            return f"unit.{unit}"
    return None


@dataclass(frozen=True)
class Translator:
    language: str

    def __call__(self, key: str, **values: Any) -> str:
        text = catalogue(self.language).get(key, key)
        return text.format(**values) if values else text
