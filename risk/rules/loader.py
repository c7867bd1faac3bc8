"""YAML → `RulesetSpec` / `NamedList`. The only module of the rule engine that reads files.

`parse_ruleset`/`parse_list` take text (the control topic delivers text, never paths); `load_*` read a
file and delegate. YAML is read with the safe loader only, libyaml's (C) when installed: a bank's lists of
100k+ items parse in well under a second with it, against seconds with the pure-Python one. Structural
errors become `Problem`s naming the file and, where it can be told, the rule id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from risk.rules.exceptions import Problem, RulesetCompileError, RulesetLimitError
from risk.rules.limits import DEFAULT_RULESET_LIMITS, RulesetLimits
from risk.rules.model import NamedList, RulesetSpec

_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the same safe constructors, in C


def _yaml(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        raise RulesetCompileError(
            [Problem("yaml_error", str(getattr(err, "problem", None) or err), None, line, col, source)]
        ) from None


def _rule_id_at(raw: Any, loc: tuple[Any, ...]) -> str | None:
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        try:
            rid = raw["rules"][loc[1]].get("id")
        except (KeyError, IndexError, TypeError, AttributeError):
            return None
        return str(rid) if rid is not None else f"rules[{loc[1]}]"
    return None


def _problems(err: ValidationError, raw: Any, source: str) -> list[Problem]:
    out = []
    for e in err.errors():
        loc = tuple(e["loc"])
        where = ".".join(str(x) for x in loc)
        out.append(Problem("invalid_field", f"{where}: {e['msg']}", _rule_id_at(raw, loc), None, None, source))
    return out


def _check_items(name: object, items: object, source: str, limits: RulesetLimits) -> None:
    if isinstance(items, list | tuple) and len(items) > limits.max_list_items:
        raise RulesetLimitError(Problem(
            "list_too_large", f"list '{name}' has {len(items):,} items, the limit is {limits.max_list_items:,} "
            "(FRAUDSTREAM_RULES_MAX_LIST_ITEMS)", source=source))


def _check_limits(raw: dict[str, Any], source: str, limits: RulesetLimits) -> None:
    """Count rules and list items on the raw document: refused before any model or expression is built."""
    rules = raw.get("rules")
    if isinstance(rules, list) and len(rules) > limits.max_rules:
        raise RulesetLimitError(Problem(
            "too_many_rules", f"the ruleset has {len(rules):,} rules, the limit is {limits.max_rules:,} "
            "(FRAUDSTREAM_RULES_MAX_RULES)", source=source))
    lists = raw.get("lists")
    if isinstance(lists, dict):
        for name, lst in lists.items():
            if isinstance(lst, dict):
                _check_items(name, lst.get("items"), source, limits)


def parse_ruleset(text: str, source: str = "<text>", limits: RulesetLimits = DEFAULT_RULESET_LIMITS) -> RulesetSpec:
    """Parse a ruleset document (no filesystem access); raise `RulesetCompileError` on any problem
    (`RulesetLimitError` when it is over `limits`)."""
    raw = _yaml(text, source)
    if not isinstance(raw, dict):
        raise RulesetCompileError([Problem("invalid_document", "a ruleset is a YAML mapping", source=source)])
    _check_limits(raw, source, limits)
    lists = raw.get("lists")
    if isinstance(lists, dict):
        raw = {**raw, "lists": {k: ({"name": k, **v} if isinstance(v, dict) else v) for k, v in lists.items()}}
    try:
        return RulesetSpec.model_validate({**raw, "source": source})
    except ValidationError as err:
        raise RulesetCompileError(_problems(err, raw, source)) from None


def parse_list(text: str, source: str = "<text>", limits: RulesetLimits = DEFAULT_RULESET_LIMITS) -> NamedList:
    """Parse one named-list document."""
    raw = _yaml(text, source)
    if isinstance(raw, dict):
        _check_items(raw.get("name"), raw.get("items"), source, limits)
    try:
        return NamedList.model_validate(raw)
    except ValidationError as err:
        raise RulesetCompileError(_problems(err, raw, source)) from None


def load_list(path: str | Path, limits: RulesetLimits = DEFAULT_RULESET_LIMITS) -> NamedList:
    p = Path(path)
    return parse_list(p.read_text(encoding="utf-8"), str(p), limits)


def load_ruleset(path: str | Path, limits: RulesetLimits = DEFAULT_RULESET_LIMITS) -> RulesetSpec:
    """Read a ruleset file and the list files it names (relative to it, never outside its folder)."""
    p = Path(path)
    spec = parse_ruleset(p.read_text(encoding="utf-8"), str(p), limits)
    if not spec.list_files:
        return spec
    base = p.parent.resolve()
    lists: dict[str, NamedList] = {}
    problems: list[Problem] = []
    for rel in spec.list_files:
        target = (base / rel).resolve()
        if not target.is_relative_to(base):
            problems.append(Problem("list_file_outside", f"list file {rel} is outside {base}", source=str(p)))
            continue
        try:
            named = load_list(target, limits)
        except OSError as err:
            problems.append(Problem("list_file_unreadable", f"{rel}: {err.strerror}", source=str(p)))
            continue
        except RulesetCompileError as err:
            problems.extend(err.problems)
            continue
        lists[named.name] = named
    if problems:
        raise RulesetCompileError(problems)
    return spec.with_lists(lists)
