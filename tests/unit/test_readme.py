"""The README is the user's way in: keep its configuration table and commands true."""

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.settings import DevSettings, Settings, env_name

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented(name):
    assert f"| `{env_name(name)}` |" in README


@pytest.mark.parametrize("name", sorted(DevSettings.model_fields))
def test_every_developer_setting_is_documented(name):
    assert f"| `{env_name(name, DevSettings)}` |" in README


def test_the_two_commands_come_first():
    first_block = README.split("```")[1]
    assert "make demo" in first_block and "make test" in first_block


COMMANDS = sorted({m.group(1).split("#")[0].strip() for m in re.finditer(r"^fraudstream (.+)$", README, re.M)})


@pytest.mark.parametrize("command", COMMANDS)
def test_documented_cli_commands_and_options_exist(command):
    words = [w for w in shlex.split(command.replace("\\", "")) if w != "…"]
    path = [w for w in words if not w.startswith("-")][:2]
    result = CliRunner().invoke(cli, [*path[:1], *([path[1]] if len(path) > 1 else []), "--help"])
    if result.exit_code != 0:  # the second word was an argument, not a sub-command
        result = CliRunner().invoke(cli, [path[0], "--help"])
    assert result.exit_code == 0, result.output
    for option in (w.split("=")[0] for w in words if w.startswith("--")):
        assert option in result.output, f"{option} not an option of `fraudstream {' '.join(path)}`"
