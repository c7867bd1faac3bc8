"""Options every command group shares, declared once with their environment names."""

from __future__ import annotations

from typing import Annotated

import typer

from app.settings import Settings

Bootstrap = Annotated[str | None, typer.Option("--bootstrap", envvar="KAFKA_BOOTSTRAP_SERVERS",
                                               help="Kafka bootstrap servers")]
Prefix = Annotated[str | None, typer.Option("--topic-prefix", envvar="FRAUDSTREAM_TOPIC_PREFIX",
                                            help="prefix on every topic (sandboxes)")]


def settings_from(**overrides: object) -> Settings:
    """Flags win over the environment; unset flags leave the environment (or defaults) in charge."""
    return Settings(**{key: value for key, value in overrides.items() if value is not None})
