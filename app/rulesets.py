"""Ruleset files → one self-contained document (lists inlined), the unit that is published and versioned."""

from __future__ import annotations

from pathlib import Path

import yaml

from risk.rules import load_ruleset, parse_ruleset


def bundle(path: Path) -> str:
    """Inline the list files a ruleset names, so workers never need the analyst's filesystem."""
    spec = load_ruleset(path)
    document = spec.model_dump(mode="json", exclude={"source", "list_files"}, exclude_defaults=True)
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    parse_ruleset(text, str(path))  # the bundle must parse exactly like the files did
    return text
