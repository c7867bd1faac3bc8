"""Options every command group shares. Their environment names come from the settings (`env_name`), so a
variable is named in one place and `--help` shows it."""

from __future__ import annotations

import getpass
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

Author = Annotated[str, typer.Option(default_factory=getpass.getuser, show_default="your user name",
                                     help="who does it (recorded on the control topic)")]


def settings_from(**overrides: object) -> Settings:
    """Flags win over the environment; unset flags leave the environment (or defaults) in charge."""
    return build_settings(Settings, **{key: value for key, value in overrides.items() if value is not None})
