from __future__ import annotations

from pathlib import Path

from risk.rules import diff_rulesets, validate, validate_file

from .helpers import spec_of

HEAD = "version: '1'\nparams: {large: 50000, unused: 1}\n"


def _rule(rid: str, expr: str) -> str:
    return f"  - {{id: {rid}, expression: \"{expr}\", action: REVIEW, weight: 0.5, reason_code: CODE}}\n"


def test_clean_ruleset_has_only_warnings() -> None:
    problems = validate(HEAD + "rules:\n" + _rule("R1", "tx.amount > $large"))
    assert [(p.code, p.severity) for p in problems] == [("unused_param", "warning")]


def test_validate_returns_every_problem_across_rules() -> None:
    text = HEAD + "rules:\n" + _rule("R1", "tx.amout > 1") + _rule("R2", "tx.amount > $larg") + _rule("R1", "true")
    codes = sorted(p.code for p in validate(text) if p.severity == "error")
    assert codes == ["duplicate_rule_id", "unknown_feature", "unknown_param"]


def test_scope_referring_to_unknown_rule_or_param_is_reported() -> None:
    text = (HEAD + "rules:\n" + _rule("R1", "tx.amount > $large")
            + "scopes:\n  - {path: '44', params: {lrage: 1}, disable: [R9]}\n")
    assert sorted(p.code for p in validate(text) if p.severity == "error") == ["unknown_param", "unknown_rule"]


def test_scope_param_of_another_type_is_reported() -> None:
    text = HEAD + "rules:\n" + _rule("R1", "tx.amount > $large") + "scopes:\n  - {path: '44', params: {large: 'x'}}\n"
    assert [p.code for p in validate(text) if p.severity == "error"] == ["param_type_mismatch"]


def test_scope_param_that_breaks_a_rule_is_found_before_going_live() -> None:
    text = ("version: '1'\nparams: {d: 2}\nrules:\n" + _rule("R1", "tx.amount / $d > 1")
            + "scopes:\n  - {path: '44/4401', params: {d: 0}}\n")
    problems = validate(text)
    assert [(p.code, p.rule_id, "44/4401" in p.message) for p in problems] == [("division_by_zero", "R1", True)]


def test_non_finite_yaml_params_are_errors_naming_the_parameter() -> None:
    text = ("version: '1'\nparams: {lo: .nan, hi: .inf, ban: [1, -.inf]}\nrules:\n"
            + _rule("R1", "not (tx.amount < $lo) and tx.amount < $hi and tx.amount not in $ban")
            + "scopes:\n  - {path: '44', params: {lo: -.inf}}\n")
    problems = [(p.code, p.message.split("'")[1]) for p in validate(text)]
    assert problems == [("non_finite_param", "lo"), ("non_finite_param", "hi"), ("non_finite_param", "ban"),
                        ("non_finite_param", "44")]


def test_always_true_rule_is_a_warning() -> None:
    problems = validate("version: '1'\nrules:\n" + _rule("R1", "1 < 2"))
    assert [(p.code, p.severity) for p in problems] == [("constant_rule", "warning")]


def test_inverted_validity_window_is_an_error() -> None:
    text = ("version: '1'\nrules:\n  - {id: R1, expression: 'device.is_new', action: BLOCK, weight: 0.5, "
            "reason_code: X, valid_from: 2000, valid_until: 1000}\n")
    assert [p.code for p in validate(text)] == ["invalid_window"]


def test_diff_lists_added_removed_and_changed_rules() -> None:
    old = spec_of("tx.amount > 1", "tx.amount > 2", "tx.amount > 3")
    new_rules = (old.rules[0].model_copy(update={"weight": 0.9, "expression": "tx.amount > 5"}),
                 old.rules[2],
                 old.rules[1].model_copy(update={"id": "R9"}))
    diff = diff_rulesets(old, old.model_copy(update={"rules": new_rules}))
    assert (diff.added, diff.removed, diff.changed) == (["R9"], ["R1"], {"R0": ["expression", "weight"]})


def test_diff_of_identical_rulesets_is_empty() -> None:
    spec = spec_of("tx.amount > 1")
    assert diff_rulesets(spec, spec).is_empty


def test_validate_file_resolves_list_files(tmp_path: Path) -> None:
    (tmp_path / "l.yaml").write_text("name: blocked_ips\nitems: [1.2.3.4]\n")
    (tmp_path / "rs.yaml").write_text("version: '1'\nlist_files: [l.yaml]\nrules:\n"
                                      + _rule("R1", "in_list('blocked_ips', tx.ip)"))
    assert validate_file(tmp_path / "rs.yaml") == []


def test_validate_text_alone_cannot_see_list_files(tmp_path: Path) -> None:
    text = "version: '1'\nlist_files: [l.yaml]\nrules:\n" + _rule("R1", "in_list('blocked_ips', tx.ip)")
    assert [p.code for p in validate(text)] == ["unknown_list"]
