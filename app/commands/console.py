"""`fraudstream console …`: the analyst console's users (there is no default user and no default password)."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.commands.service import StoreUrl, engine_for
from schemas.times import from_ms

cli = typer.Typer(help="The analyst console (served by `fraudstream service run` at /console): its users.",
                  no_args_is_help=True)
console = Console()


@cli.command("create-user")
def create_user_cmd(
    username: Annotated[str, typer.Option("--username", help="login name, e.g. li.wei")],
    role: Annotated[str, typer.Option("--role", help="analyst, supervisor or admin")],
    scope: Annotated[str, typer.Option("--scope", help="branch subtree: 44, 44/4401, 44/4401/440106 or '*'")],
    prompt: Annotated[bool, typer.Option("--prompt/--generate",
                                         help="type the password (twice), or print a generated one once")] = False,
    store_url: StoreUrl = None,
) -> None:
    """Create a console user. Without --prompt a one-time password is generated and printed once."""
    from service.console.users import create_user

    password = typer.prompt("password (12+ characters)", hide_input=True, confirmation_prompt=True) if prompt else None
    created = create_user(engine_for(store_url), username, role, scope, int(time.time() * 1000), password)
    typer.echo(f"created {created.user.role} {created.user.username} (scope {created.user.scope})")
    if created.password is not None:
        typer.echo(created.password)
        typer.echo("one-time password: hand it over now, it cannot be shown again", err=True)


@cli.command("list-users")
def list_users_cmd(store_url: StoreUrl = None) -> None:
    """User names, roles, scopes and state (never a password or hash)."""
    from service.console.users import list_users

    table = Table(title="console users")
    for column in ("user", "role", "scope", "created", "state"):
        table.add_column(column)
    for row in list_users(engine_for(store_url)):
        created = from_ms(row.created_at_ms).strftime("%Y-%m-%d %H:%M")
        table.add_row(row.username, row.role, row.scope, created, "disabled" if row.disabled_at_ms else "active")
    console.print(table)
