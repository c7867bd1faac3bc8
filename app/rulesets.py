"""Ruleset files → one self-contained document (lists inlined), the unit that is published and versioned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from risk.rules import DEFAULT_RULESET_LIMITS, RulesetLimits, RulesetSpec, load_ruleset, parse_ruleset

_SAFE_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def bundle(path: Path, limits: RulesetLimits = DEFAULT_RULESET_LIMITS) -> str:
    """Inline the list files a ruleset names, so workers never need the analyst's filesystem."""
    return bundle_spec(load_ruleset(path, limits), str(path), limits)


def bundle_spec(spec: RulesetSpec, source: str, limits: RulesetLimits = DEFAULT_RULESET_LIMITS) -> str:
    """`bundle` for a ruleset already loaded (and checked) from its files."""
    document = spec.model_dump(mode="json", exclude={"source", "list_files"}, exclude_defaults=True)
    for named in document.get("lists", {}).values():  # a set's order changes from process to process
        named["items"] = sorted(named["items"])
    # libyaml's safe dumper writes the same text as the pure-Python one, several times faster on big lists
    text = yaml.dump(document, Dumper=_SAFE_DUMPER, sort_keys=False, allow_unicode=True)
    parse_ruleset(text, source, limits)  # the bundle must parse exactly like the files did
    return text
