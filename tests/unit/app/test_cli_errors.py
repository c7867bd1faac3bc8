"""A user-facing error ends the CLI in one line with its code, never a traceback."""

import pytest

from app import cli


@pytest.mark.parametrize(("argv", "code"), [
    (["rules", "publish", "rules/starter.yaml", "--bootstrap", "127.0.0.1:1"], "admin_token_missing"),
    (["rules", "list", "--bootstrap", "127.0.0.1:1"], "kafka_unreachable"),
])
def test_an_error_a_user_can_act_on_is_one_line_with_its_code(monkeypatch, capsys, argv, code):
    monkeypatch.delenv("FRAUDSTREAM_ADMIN_TOKEN", raising=False)
    monkeypatch.setattr("sys.argv", ["fraudstream", *argv])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err.startswith(f"error[{code}]: ") and "Traceback" not in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(("command", "env", "code"), [
    ("validate", {"FRAUDSTREAM_RULES_MAX_RULES": "3"}, "too_many_rules"),
    ("validate", {"FRAUDSTREAM_RULES_MAX_LIST_ITEMS": "1"}, "list_too_large"),
    ("publish", {"FRAUDSTREAM_RULES_MAX_RULES": "3"}, "too_many_rules"),
    ("publish", {"FRAUDSTREAM_RULES_MAX_LIST_ITEMS": "1"}, "list_too_large"),
])
def test_rules_over_a_limit_are_refused_before_anything_is_published(monkeypatch, capsys, command, env, code):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FRAUDSTREAM_ADMIN_TOKEN", "secret")  # publish would get as far as the broker (none here)
    monkeypatch.setattr("sys.argv", ["fraudstream", "rules", command, "rules/starter.yaml",
                                     *(["--bootstrap", "127.0.0.1:1"] if command == "publish" else [])])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert f"[{code}]" in out and "Traceback" not in out
