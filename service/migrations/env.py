"""Alembic environment: migrations run on the connection the caller hands over (`config.attributes`)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from service.console import models as _console_models  # noqa: F401  (its tables join Base.metadata)
from service.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # the `alembic` CLI, pointed at a URL: sqlalchemy.url in the config
    with create_engine(config.get_main_option("sqlalchemy.url") or "").connect() as conn:
        context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
