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
