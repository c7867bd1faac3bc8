"""Effective rules and parameters for one branch path.

Branch paths look like `44/4401/440106/0012` (province/city/county/outlet). A scope applies to a path when
its path is a component-wise prefix (`44` covers `44/4401`, not `441/...`). Scopes are applied from the
shallowest to the deepest, so the deepest wins: children inherit parameters and rule settings and may
override parameters, a rule's action/weight/priority/mode, or disable (and re-enable) a rule. A rule's
own `scope` limits where it exists at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from risk.rules.model import RulesetSpec, RuleSpec


def covers(prefix: str, branch_path: str) -> bool:
    """True when the scope `prefix` includes `branch_path` ('' covers everything)."""
    if not prefix:
        return True
    return branch_path == prefix or branch_path.startswith(prefix + "/")


@dataclass(frozen=True)
class EffectiveScope:
    """What applies at one branch path: rules with overrides applied (disabled ones dropped), params."""

    scope_paths: tuple[str, ...]  # matching declared scopes, shallowest first
    params: Mapping[str, object]
    rules: tuple[RuleSpec, ...]

    @property
    def fingerprint(self) -> tuple[object, ...]:
        """Equal fingerprints compile to the same variant (cache key)."""
        params = tuple(sorted((k, repr(v)) for k, v in self.params.items()))
        rules = tuple((r.id, r.action, r.weight, r.priority, r.mode) for r in self.rules)
        return (params, rules)


def resolve_scope(spec: RulesetSpec, branch_path: str) -> EffectiveScope:
    """Apply every scope covering `branch_path`, deepest last."""
    matching = sorted((s for s in spec.scopes if covers(s.path, branch_path)), key=lambda s: s.path.count("/"))
    params: dict[str, object] = dict(spec.params)
    updates: dict[str, dict[str, object]] = {}
    for scope in matching:
        params.update(scope.params)
        for rule_id, override in scope.rules.items():
            updates.setdefault(rule_id, {}).update(override.model_dump(exclude_none=True))
        for rule_id in scope.disable:
            updates.setdefault(rule_id, {})["enabled"] = False
        for rule_id in scope.enable:
            updates.setdefault(rule_id, {})["enabled"] = True
    rules = []
    for rule in spec.rules:
        if not covers(rule.scope, branch_path):
            continue
        change = updates.get(rule.id)
        effective = rule.model_copy(update=change) if change else rule
        if effective.enabled:
            rules.append(effective)
    return EffectiveScope(tuple(s.path for s in matching), params, tuple(rules))
