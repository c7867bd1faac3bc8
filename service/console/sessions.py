"""Server-side sessions: a random token in an HttpOnly cookie; the store keeps its SHA-256, the user, the
session's CSRF token and the expiry. Logging in checks the rate limit first, then the password."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select

from service.console import passwords, throttle, tokens, users
from service.console.access import User
from service.console.exceptions import LoginThrottled, NotLoggedIn
from service.console.models import ConsoleSessionRow, LoginFailureRow

HOUR_MS = 3_600_000


@dataclass(frozen=True)
class Session:
    user: User
    csrf_token: str


@dataclass(frozen=True)
class LoginPolicy:
    session_hours: float
    max_failures: int
    window_s: int


def login(engine: Engine, username: str, password: str, client: str, now_ms: int,
          policy: LoginPolicy) -> tuple[str, Session] | None:
    """(cookie token, session) on success; None for a wrong name or password; LoginThrottled past the limit."""
    username, client = username.strip()[:64], client[:64]
    with engine.begin() as connection:
        failures = connection.execute(select(LoginFailureRow.at_ms).where(
            LoginFailureRow.username == username, LoginFailureRow.client == client,
            LoginFailureRow.at_ms > now_ms - policy.window_s * 1000)).scalars().all()
        if not throttle.allowed(failures, now_ms=now_ms, max_failures=policy.max_failures,
                                window_ms=policy.window_s * 1000):
            raise LoginThrottled(f"too many failed logins for {username!r} from {client}")
        found = users.load(connection, username)
        if not passwords.verify(password, found[1] if found else None) or found is None:
            connection.execute(insert(LoginFailureRow).values(username=username, client=client,
                                                                         at_ms=now_ms))
            return None
        connection.execute(delete(LoginFailureRow).where(LoginFailureRow.at_ms <= now_ms - policy.window_s * 1000))
        token, csrf = tokens.new_token(), tokens.new_token()
        connection.execute(insert(ConsoleSessionRow).values(
            token_sha256=tokens.digest(token), username=username, csrf_token=csrf, created_at_ms=now_ms,
            expires_at_ms=now_ms + int(policy.session_hours * HOUR_MS)))
    return token, Session(found[0], csrf)


def resolve(engine: Engine, token: str | None, now_ms: int) -> Session:
    """The live session of a cookie's token (its user still active), else NotLoggedIn."""
    if not token:
        raise NotLoggedIn("no session cookie")
    with engine.connect() as connection:
        row = connection.execute(select(ConsoleSessionRow.__table__).where(
            ConsoleSessionRow.token_sha256 == tokens.digest(token))).first()
        if row is None or row.expires_at_ms <= now_ms:
            raise NotLoggedIn("session unknown or expired")
        found = users.load(connection, row.username)
    if found is None:
        raise NotLoggedIn(f"user {row.username} is disabled")
    return Session(found[0], row.csrf_token)


def logout(engine: Engine, token: str | None, now_ms: int) -> None:
    """Forget this session, and every expired one."""
    with engine.begin() as connection:
        if token:
            connection.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.token_sha256 == tokens.digest(token)))
        connection.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.expires_at_ms <= now_ms))
