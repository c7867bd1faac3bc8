"""The options a worker's command line needs, apart from the offline tools' (`options`), so that `fraudstream
worker` starts without importing them: a worker restarted after a kill -9 should decide within seconds."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic_settings import BaseSettings

from app.settings import Settings, build_settings, env_name


def setting_option(field: str, *names: str, help: str, settings: type[BaseSettings] = Settings) -> Any:
    """A `typer.Option` for the settings field `field`, read from the same variable the settings read."""
    return typer.Option(*names, envvar=env_name(field, settings), show_envvar=True, help=help)


Bootstrap = Annotated[str | None, setting_option("bootstrap_servers", "--bootstrap", help="Kafka bootstrap servers")]
Prefix = Annotated[str | None, setting_option("topic_prefix", "--topic-prefix",
                                              help="prefix on every topic (sandboxes)")]


def settings_from(**overrides: Any) -> Settings:
    """Flags win over the environment; unset flags leave the environment (or defaults) in charge."""
    return build_settings(Settings, **{key: value for key, value in overrides.items() if value is not None})
