from __future__ import annotations

from typing import Any

import pytest

from risk.rules.model import Action, Mode
from risk.rules.scope import covers, resolve_scope

from .helpers import hit_both, ruleset_of, spec_of

SCOPES: list[dict[str, Any]] = [
    {"path": "44", "params": {"large": 30000}, "rules": {"R1": {"mode": "shadow", "weight": 0.9}}},
    {"path": "44/4401", "params": {"large": 20000}},
    {"path": "44/4401/440106", "disable": ["R0"]},
    {"path": "44/4401/440106/0012", "enable": ["R0"], "rules": {"R1": {"mode": "active", "action": "BLOCK"}}},
]


PARAM_SCOPES: list[dict[str, Any]] = [
    {"path": "44", "params": {"large": 30000}},
    {"path": "44/4401", "params": {"large": 20000}},
    {"path": "44/4401/440106", "disable": ["R0"]},
]


def _spec():
    return spec_of("tx.amount >= $large", "device.is_new", params={"large": 50000}, scopes=SCOPES)


@pytest.mark.parametrize(
    ("prefix", "path", "expected"),
    [("", "44", True), ("44", "44", True), ("44", "44/4401", True), ("44", "441/4401", False),
     ("44/4401", "44", False)],
)
def test_scope_prefix_is_component_wise(prefix: str, path: str, expected: bool) -> None:
    assert covers(prefix, path) is expected


def test_root_params_apply_outside_every_scope() -> None:
    assert resolve_scope(_spec(), "11/1101").params["large"] == 50000


def test_province_override_applies_to_its_children() -> None:
    assert resolve_scope(_spec(), "44/4403/440305").params["large"] == 30000


def test_deepest_scope_wins_for_params() -> None:
    assert resolve_scope(_spec(), "44/4401/440103").params["large"] == 20000


def test_override_changes_rule_settings_below_the_scope() -> None:
    rule = next(r for r in resolve_scope(_spec(), "44/4403").rules if r.id == "R1")
    assert (rule.mode, rule.weight) == (Mode.SHADOW, 0.9)


def test_deeper_override_keeps_inherited_fields_it_does_not_set() -> None:
    rule = next(r for r in resolve_scope(_spec(), "44/4401/440106/0012").rules if r.id == "R1")
    assert (rule.mode, rule.action, rule.weight) == (Mode.ACTIVE, Action.BLOCK, 0.9)


def test_county_disable_removes_the_rule_there() -> None:
    assert [r.id for r in resolve_scope(_spec(), "44/4401/440106/0001").rules] == ["R1"]


def test_deeper_enable_restores_a_disabled_rule() -> None:
    assert [r.id for r in resolve_scope(_spec(), "44/4401/440106/0012").rules] == ["R0", "R1"]


def test_rule_scope_limits_where_the_rule_exists() -> None:
    spec = spec_of("device.is_new", scope="45")
    assert (resolve_scope(spec, "45/4501").rules != (), resolve_scope(spec, "44/4401").rules) == (True, ())


def test_compiled_thresholds_follow_the_scope() -> None:
    rs = ruleset_of("tx.amount >= $large", params={"large": 50000}, scopes=PARAM_SCOPES[:2])
    row = {"tx.amount": 35000.0}
    assert [hit_both(rs, row, p) for p in ("11/1101", "44/4403", "44/4401/440106")] == [
        (False, False), (True, True), (True, True)]


def test_one_batch_mixes_branches_with_their_own_variants() -> None:
    import numpy as np

    rs = ruleset_of("tx.amount >= $large", params={"large": 50000}, scopes=PARAM_SCOPES)
    cols = {"tx.amount": np.array([35000.0, 35000.0, 35000.0, 60000.0])}
    paths = ["11/1101", "44/4403", "44/4401/440106/0001", "11"]
    batch = rs.evaluate_batch(cols, paths, np.zeros(4, dtype=np.int64))
    assert batch.matrix[:, 0].tolist() == [False, True, False, True]


def test_branches_with_the_same_effective_scope_share_a_compiled_variant() -> None:
    rs = ruleset_of("tx.amount >= $large", params={"large": 50000}, scopes=PARAM_SCOPES[:1])
    rs.evaluate_one({}, "44/4401", 0)
    rs.evaluate_one({}, "44/4403/440305", 0)
    rs.evaluate_one({}, "11", 0)
    assert len(rs._by_fingerprint) == 2
