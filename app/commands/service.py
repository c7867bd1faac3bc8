"""`fraudstream service …`: run the risk service, manage its API keys, migrate and purge its store."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.commands.options import Bootstrap, Prefix, setting_option, settings_from
from app.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

cli = typer.Typer(help="The risk service: decision store, sink and query API.", no_args_is_help=True)
console = Console()
StoreUrl = Annotated[str | None, setting_option("store_url", "--store-url",
                                                help="SQLAlchemy URL of the store (default: SQLite under var/)")]


def _now_ms() -> int:
    return int(time.time() * 1000)


def engine_for(store_url: str | None) -> Engine:
    """The migrated store a command names (`--store-url`, else FRAUDSTREAM_STORE_URL, else the SQLite default)."""
    return _engine(settings_from(store_url=store_url))


def _engine(settings: Settings) -> Engine:
    from service.store.engine import migrate, open_engine

    engine = open_engine(settings.resolved_store_url())
    migrate(engine)
    return engine


@cli.command("run")
def run_cmd(
    bootstrap: Bootstrap = None,
    topic_prefix: Prefix = None,
    store_url: StoreUrl = None,
    host: Annotated[str | None, setting_option("service_host", "--host", help="listen address")] = None,
    port: Annotated[int | None, setting_option("service_port", "--port", help="listen port")] = None,
) -> None:
    """Serve the risk API (OpenAPI at /openapi.json, docs at /docs) and run the store sink."""
    import uvicorn

    from app.logs import configure_logging
    from service.app import build

    settings = settings_from(bootstrap_servers=bootstrap, topic_prefix=topic_prefix, store_url=store_url,
                             service_host=host, service_port=port)
    configure_logging(settings.log_level)
    uvicorn.run(build(settings), host=settings.service_host, port=settings.service_port, log_config=None,
                access_log=False)


@cli.command("create-key")
def create_key_cmd(
    name: Annotated[str, typer.Option("--name", help="who the key is for, e.g. 'case-tool-guangzhou'")],
    scope: Annotated[str, typer.Option("--scope", help="branch subtree the key may read: 44, 44/4401, "
                                                       "44/4401/440106, or '*' for the whole bank")],
    store_url: StoreUrl = None,
) -> None:
    """Create an API key and print it once: only its hash is stored."""
    from service.store.api_keys import create_key

    plaintext = create_key(_engine(settings_from(store_url=store_url)), name, scope, _now_ms())
    typer.echo(plaintext)
    typer.echo("store it now: it cannot be shown again (send it as the X-API-Key header)", err=True)


@cli.command("list-keys")
def list_keys_cmd(store_url: StoreUrl = None) -> None:
    """Key ids, names, scopes and state (never the keys)."""
    from service.store.api_keys import list_keys

    table = Table(title="API keys")
    for column in ("key id", "name", "scope", "created", "state"):
        table.add_column(column)
    for key in list_keys(_engine(settings_from(store_url=store_url))):
        created = datetime.fromtimestamp(key.created_at_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")
        table.add_row(key.key_id, key.name, key.scope, created, "revoked" if key.revoked_at_ms else "active")
    console.print(table)


@cli.command("revoke-key")
def revoke_key_cmd(key_id: Annotated[str, typer.Argument(help="the key id (fsk_<id>_…)")],
                   store_url: StoreUrl = None) -> None:
    """Revoke a key at once (every later request with it gets 401)."""
    from service.store.api_keys import revoke_key

    revoke_key(_engine(settings_from(store_url=store_url)), key_id, _now_ms())
    typer.echo(f"revoked {key_id}")


@cli.command("migrate")
def migrate_cmd(store_url: StoreUrl = None) -> None:
    """Bring the store's schema to the newest migration (the service also does this at start)."""
    from service.store.engine import current_revision

    typer.echo(f"store at revision {current_revision(_engine(settings_from(store_url=store_url)))}")


@cli.command("purge")
def purge_cmd(
    store_url: StoreUrl = None,
    retention_days: Annotated[int | None, setting_option("store_retention_days", "--retention-days",
                                                         help="keep this many days")] = None,
) -> None:
    """Delete decisions and alerts older than the retention, and old expired blocks (the service runs this
    every FRAUDSTREAM_PURGE_INTERVAL_S too)."""
    from service.store.retention import purge

    settings = settings_from(store_url=store_url, store_retention_days=retention_days)
    purged = purge(_engine(settings), settings.store_retention_days, _now_ms())
    table = Table(title=f"purged (older than {settings.store_retention_days} days)")
    for column in ("decisions", "rule hits", "alerts", "blocks"):
        table.add_column(column, justify="right")
    table.add_row(*(f"{n:,}" for n in (purged.decisions, purged.rule_hits, purged.alerts, purged.blocks)))
    console.print(table)
