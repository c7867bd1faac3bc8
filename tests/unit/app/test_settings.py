"""Settings: declared once, read only here, and a bad value names its variable."""

import pytest
import typer

from app.cli import cli
from app.exceptions import SettingsError
from app.processes import worker_env
from app.settings import DevSettings, Settings, build_settings, env_name
from risk.features.common import StageConfig


def test_a_bad_variable_is_a_settings_error_naming_it(monkeypatch):
    monkeypatch.setenv("FRAUDSTREAM_WEB_PORT", "seventy")
    with pytest.raises(SettingsError, match="FRAUDSTREAM_WEB_PORT") as info:
        build_settings(Settings)
    assert info.value.code == "settings_invalid"


def test_a_bad_override_names_the_variable_it_stands_for():
    with pytest.raises(SettingsError, match="KAFKA_BOOTSTRAP_SERVERS"):
        build_settings(Settings, bootstrap_servers="no port")


def test_the_stage_defaults_are_stage_configs_own():
    assert Settings().stage_config() == StageConfig()


def test_developer_settings_read_their_conventional_names(monkeypatch, tmp_path):
    monkeypatch.setenv("KAFKA_VERSION", "3.9.2")
    monkeypatch.setenv("FRAUDSTREAM_CACHE", str(tmp_path))
    monkeypatch.setenv("DEMO_WORKERS", "3")
    dev = DevSettings()
    assert (dev.kafka_version, dev.cache_dir, dev.demo_workers) == ("3.9.2", tmp_path, 3)
    assert env_name("java_home", DevSettings) == "JAVA_HOME"


def test_a_worker_environment_uses_the_settings_names(tmp_path):
    env = worker_env(bootstrap="b:1", prefix="p.", app_id="a", datadir=tmp_path, partitions=2, web_port=7001)
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "b:1" and env["FRAUDSTREAM_WEB_PORT"] == "7001"
    with pytest.raises(KeyError):
        worker_env(bootstrap="b:1", prefix="p.", app_id="a", datadir=tmp_path, partitions=2, web_prot=7001)


def _options(command, path: str = "fraudstream"):
    for param in command.params:
        if param.param_type_name == "option" and param.envvar:
            yield f"{path} {param.opts[0]}", param.envvar, param.default
    for name, sub in getattr(command, "commands", {}).items():
        yield from _options(sub, f"{path} {name}")


ENV_NAMES = {env_name(f) for f in Settings.model_fields} | {env_name(f, DevSettings) for f in DevSettings.model_fields}


@pytest.mark.parametrize(("option", "envvar", "default"), sorted(_options(typer.main.get_command(cli)), key=str))
def test_every_option_read_from_the_environment_uses_a_settings_name(option, envvar, default):
    assert envvar in ENV_NAMES, f"{option} reads {envvar}, which no settings class declares"
    assert default is None, f"{option} defaults to {default!r}: unset, the settings' own default applies"
