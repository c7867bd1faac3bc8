"""The console's tables, on the store's declarative base (one metadata, one migration history).

Audit rows are append-only: migration 0002 adds triggers refusing UPDATE and DELETE on both stores.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.store.models import BRANCH, Base


class ConsoleUserRow(Base):
    """A console user: role, branch scope (`*` or a path prefix) and an argon2 hash (never the password)."""

    __tablename__ = "console_users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(Text)
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    disabled_at_ms: Mapped[int | None] = mapped_column(BigInteger)


class ConsoleSessionRow(Base):
    """A login: the SHA-256 of the cookie's token (a leaked table opens no session) and its CSRF token."""

    __tablename__ = "console_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    expires_at_ms: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_console_sessions_user", "username"),)


class LoginFailureRow(Base):
    """One failed login, counted per user name and client address within the rate-limit window."""

    __tablename__ = "console_login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    at_ms: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_console_login_failures_who", "username", "client", "at_ms"),)


class AlertWorkRow(Base):
    """An analyst's work on an alert: who holds it, its status (open, needs_info, closed) and the verdict."""

    __tablename__ = "console_alert_work"

    alert_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    branch_path: Mapped[str] = mapped_column(BRANCH)
    status: Mapped[str] = mapped_column(String(16))
    assignee: Mapped[str | None] = mapped_column(String(64))
    verdict: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at_ms: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_console_alert_work_status", "status"),)


class AuditRow(Base):
    """Who did what, when: logins, views of a customer's data, verdicts, actions. Append-only."""

    __tablename__ = "console_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at_ms: Mapped[int] = mapped_column(BigInteger)
    username: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(Text)
    branch_path: Mapped[str | None] = mapped_column(BRANCH)
    detail: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_console_audit_time", "at_ms"),)
