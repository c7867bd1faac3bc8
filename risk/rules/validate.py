"""`rules validate` and `rules diff`: the same checks as compilation, returned instead of raised."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from risk.rules.analysis import Analysis, analyse
from risk.rules.exceptions import Problem, RulesetCompileError
from risk.rules.limits import DEFAULT_RULESET_LIMITS, RulesetLimits
from risk.rules.loader import load_ruleset, parse_ruleset
from risk.rules.model import RulesetSpec


def validate_spec(spec: RulesetSpec) -> list[Problem]:
    """Every problem (errors and warnings) of a parsed ruleset."""
    return analyse(spec).problems


def validate(text: str, source: str = "<text>", limits: RulesetLimits = DEFAULT_RULESET_LIMITS) -> list[Problem]:
    """Every problem of a ruleset document, from YAML syntax to expression types; [] when clean."""
    try:
        spec = parse_ruleset(text, source, limits)
    except RulesetCompileError as err:
        return err.problems
    return validate_spec(spec)


def analyse_file(path: str | Path,
                 limits: RulesetLimits = DEFAULT_RULESET_LIMITS) -> tuple[RulesetSpec | None, Analysis]:
    """Load a ruleset file (and its `list_files`) and check it once: the spec (None when it could not be
    loaded) and the analysis, which `compile_ruleset(spec, analysis)` reuses instead of checking again."""
    try:
        spec = load_ruleset(path, limits)
    except RulesetCompileError as err:
        return None, Analysis(problems=err.problems)
    return spec, analyse(spec)


def validate_file(path: str | Path, limits: RulesetLimits = DEFAULT_RULESET_LIMITS) -> list[Problem]:
    """Like `validate`, for a ruleset file: its `list_files` are loaded too, so `in_list` names resolve."""
    return analyse_file(path, limits)[1].problems


@dataclass(frozen=True)
class RulesetDiff:
    """What changed between two rulesets, by rule id (for review before publishing)."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)  # rule id → changed field names
    params_changed: list[str] = field(default_factory=list)
    lists_changed: list[str] = field(default_factory=list)
    scopes_changed: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.params_changed or self.lists_changed
                    or self.scopes_changed)


def _keyed_changes(old: dict[str, object], new: dict[str, object]) -> list[str]:
    return sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))


def diff_rulesets(old: RulesetSpec, new: RulesetSpec) -> RulesetDiff:
    old_rules = {r.id: r for r in old.rules}
    new_rules = {r.id: r for r in new.rules}
    changed = {}
    for rid in old_rules.keys() & new_rules.keys():
        a, b = old_rules[rid].model_dump(), new_rules[rid].model_dump()
        fields = sorted(k for k in a if a[k] != b[k])
        if fields:
            changed[rid] = fields
    return RulesetDiff(
        added=[r for r in new_rules if r not in old_rules],
        removed=[r for r in old_rules if r not in new_rules],
        changed=dict(sorted(changed.items())),
        params_changed=_keyed_changes(dict(old.params), dict(new.params)),
        lists_changed=_keyed_changes(dict(old.lists), dict(new.lists)),
        scopes_changed=_keyed_changes({s.path: s for s in old.scopes}, {s.path: s for s in new.scopes}),
    )
