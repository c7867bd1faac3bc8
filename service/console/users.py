"""Console users in the store: created from the CLI (`fraudstream console create-user`), looked up at login."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from service.console import passwords
from service.console.access import User, parse_role
from service.console.exceptions import UserInvalid
from service.console.models import ConsoleUserRow
from service.exceptions import QueryInvalid
from service.scope import Scope

_NAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")


@dataclass(frozen=True)
class Created:
    user: User
    password: str | None  # the generated one-time password; None when the caller chose the password


def create_user(engine: Engine, username: str, role: str, scope: str, now_ms: int,
                password: str | None = None) -> Created:
    """Store a new user; without `password` one is generated and returned once."""
    if not _NAME.match(username):
        raise UserInvalid(f"user name {username!r} must be 2-64 characters of [A-Za-z0-9_.@-]")
    try:
        user = User(username, parse_role(role), Scope.parse(scope))
    except QueryInvalid as err:
        raise UserInvalid(str(err)) from err
    generated = passwords.generate() if password is None else None
    try:
        hashed = passwords.hash_password(password if password is not None else str(generated))
    except ValueError as err:
        raise UserInvalid(str(err)) from err
    with engine.begin() as connection:
        if connection.execute(select(ConsoleUserRow.username).where(ConsoleUserRow.username == username)).first():
            raise UserInvalid(f"user {username!r} exists already")
        connection.execute(insert(ConsoleUserRow).values(
            username=username, role=user.role, scope=str(user.scope), password_hash=hashed,
            created_at_ms=now_ms, disabled_at_ms=None))
    return Created(user, generated)


def load(connection: Connection, username: str) -> tuple[User, str] | None:
    """The active user and their password hash, or None (unknown or disabled)."""
    row = connection.execute(select(ConsoleUserRow.__table__).where(ConsoleUserRow.username == username,
                                                          ConsoleUserRow.disabled_at_ms.is_(None))).first()
    if row is None:
        return None
    return User(row.username, parse_role(row.role), Scope.parse(row.scope)), row.password_hash


def list_users(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(select(ConsoleUserRow.__table__).order_by(ConsoleUserRow.username)).all())
