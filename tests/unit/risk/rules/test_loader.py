from __future__ import annotations

from pathlib import Path

import pytest

from risk.rules import RulesetCompileError, RulesetLimitError, RulesetLimits, load_ruleset, parse_ruleset, validate_file

RULE = "{id: R1, expression: 'device.is_new', action: BLOCK, weight: 0.5, reason_code: NEW_DEVICE}"


def _problems(text: str) -> list[tuple[str | None, str]]:
    with pytest.raises(RulesetCompileError) as err:
        parse_ruleset(text, "mem.yaml")
    return [(p.rule_id, p.code) for p in err.value.problems]


def test_minimal_ruleset_parses() -> None:
    spec = parse_ruleset(f"version: '1'\nrules: [{RULE}]", "mem.yaml")
    assert [r.id for r in spec.rules] == ["R1"]


def test_numeric_version_is_read_as_text() -> None:
    assert parse_ruleset("version: 3\nrules: []").version == "3"


def test_yaml_syntax_error_has_a_line() -> None:
    with pytest.raises(RulesetCompileError) as err:
        parse_ruleset("version: '1'\nrules: [\n  {id: x", "bad.yaml")
    p = err.value.problems[0]
    assert (p.code, p.source, p.line is not None) == ("yaml_error", "bad.yaml", True)


def test_field_errors_name_the_rule() -> None:
    text = ("version: '1'\nrules:\n  - {id: R1, expression: 'device.is_new', action: NUKE, weight: 0.5, "
            "reason_code: X}\n  - {id: R2, expression: 'device.is_new', action: BLOCK, weight: 2, reason_code: y}")
    assert _problems(text) == [("R1", "invalid_field"), ("R2", "invalid_field"), ("R2", "invalid_field")]


def test_unknown_fields_are_rejected() -> None:
    assert _problems("version: '1'\nrulez: []") == [(None, "invalid_field")]


def test_naive_validity_timestamp_is_rejected() -> None:
    text = ("version: '1'\nrules:\n  - {id: R1, expression: 'device.is_new', action: BLOCK, weight: 0.5, "
            "reason_code: X, valid_from: 2026-01-01T00:00:00}")
    assert _problems(text) == [("R1", "invalid_field")]


def test_inline_lists_take_their_name_from_the_key() -> None:
    spec = parse_ruleset("version: '1'\nlists: {blocked_ips: {kind: ip, items: [1.2.3.4]}}")
    assert spec.lists["blocked_ips"].name == "blocked_ips"


def test_list_files_are_loaded_relative_to_the_ruleset(tmp_path: Path) -> None:
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "b.yaml").write_text("name: blocked_devices\nkind: device\nitems: [d1]\n")
    (tmp_path / "rs.yaml").write_text("version: '1'\nlist_files: [lists/b.yaml]\n")
    assert load_ruleset(tmp_path / "rs.yaml").lists["blocked_devices"].items == frozenset({"d1"})


def test_list_files_outside_the_ruleset_folder_are_refused(tmp_path: Path) -> None:
    inner = tmp_path / "rules"
    inner.mkdir()
    (tmp_path / "secret.yaml").write_text("name: x\nitems: []\n")
    (inner / "rs.yaml").write_text("version: '1'\nlist_files: [../secret.yaml]\n")
    with pytest.raises(RulesetCompileError) as err:
        load_ruleset(inner / "rs.yaml")
    assert err.value.problems[0].code == "list_file_outside"


def test_missing_list_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "rs.yaml").write_text("version: '1'\nlist_files: [nope.yaml]\n")
    with pytest.raises(RulesetCompileError) as err:
        load_ruleset(tmp_path / "rs.yaml")
    assert err.value.problems[0].code == "list_file_unreadable"


def test_yaml_tags_cannot_build_python_objects() -> None:
    assert _problems("version: !!python/object/apply:os.system ['echo hi']") == [(None, "yaml_error")]


def test_version_is_the_same_for_inline_lists_and_list_files(tmp_path: Path) -> None:
    from risk.rules import compile_ruleset

    rule = "rules:\n  - {id: R1, expression: \"in_list('l', tx.ip)\", action: BLOCK, weight: 0.5, reason_code: X}\n"
    (tmp_path / "l.yaml").write_text("name: l\nitems: [b, a]\n")
    (tmp_path / "rs.yaml").write_text("version: '1'\nlist_files: [l.yaml]\n" + rule)
    inline = parse_ruleset("version: '1'\nlists: {l: {items: [a, b]}}\n" + rule)
    assert compile_ruleset(load_ruleset(tmp_path / "rs.yaml")).version == compile_ruleset(inline).version


SMALL = RulesetLimits(max_rules=2, max_list_items=3)


def _limit_error(text: str, limits: RulesetLimits = SMALL) -> RulesetLimitError:
    with pytest.raises(RulesetLimitError) as err:
        parse_ruleset(text, "mem.yaml", limits)
    return err.value


def test_more_rules_than_the_limit_are_refused_with_their_code() -> None:
    three = ", ".join(RULE.replace("R1", f"R{i}") for i in range(3))
    err = _limit_error(f"version: '1'\nrules: [{three}]")
    assert err.code == "too_many_rules" and [p.code for p in err.problems] == ["too_many_rules"]
    assert "3 rules, the limit is 2" in err.problems[0].message
    assert len(parse_ruleset(f"version: '1'\nrules: [{three}]", "mem.yaml", RulesetLimits(max_rules=3)).rules) == 3


def test_an_inline_list_over_the_limit_is_refused_with_its_code() -> None:
    err = _limit_error("version: '1'\nlists:\n  bad: {items: [a, b, c, d]}\nrules: []")
    assert err.code == "list_too_large" and "list 'bad' has 4 items" in err.problems[0].message
    assert parse_ruleset("version: '1'\nlists:\n  ok: {items: [a, b, c]}\nrules: []", "m", SMALL).lists["ok"].items


def test_a_list_file_over_the_limit_is_refused_with_its_code(tmp_path: Path) -> None:
    (tmp_path / "big.yaml").write_text("name: big\nitems: [a, b, c, d]\n")
    (tmp_path / "rs.yaml").write_text(f"version: '1'\nlist_files: [big.yaml]\nrules: [{RULE}]\n")
    assert [p.code for p in validate_file(tmp_path / "rs.yaml", SMALL)] == ["list_too_large"]
    assert validate_file(tmp_path / "rs.yaml", RulesetLimits(max_list_items=4)) == []
