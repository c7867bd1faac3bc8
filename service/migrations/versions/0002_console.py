"""Analyst console: users, sessions, login failures, alert work and the append-only audit log.

Revision ID: console01
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "console01"
down_revision = "0001"
branch_labels = None
depends_on = None

BRANCH = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
_PG_REFUSE = """
CREATE FUNCTION console_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'console_audit is append-only'; END $$;
CREATE TRIGGER console_audit_no_change BEFORE UPDATE OR DELETE ON console_audit
FOR EACH ROW EXECUTE FUNCTION console_audit_append_only();
"""
_SQLITE_REFUSE = [
    "CREATE TRIGGER console_audit_no_update BEFORE UPDATE ON console_audit "
    "BEGIN SELECT RAISE(ABORT, 'console_audit is append-only'); END",
    "CREATE TRIGGER console_audit_no_delete BEFORE DELETE ON console_audit "
    "BEGIN SELECT RAISE(ABORT, 'console_audit is append-only'); END",
]


def upgrade() -> None:
    op.create_table(
        "console_users",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(80), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("disabled_at_ms", sa.BigInteger(), nullable=True),
    )
    op.create_table(
        "console_sessions",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_console_sessions_user", "console_sessions", ["username"])
    op.create_table(
        "console_login_failures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_console_login_failures_who", "console_login_failures", ["username", "client", "at_ms"])
    op.create_table(
        "console_alert_work",
        sa.Column("alert_id", sa.String(128), primary_key=True),
        sa.Column("branch_path", BRANCH, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assignee", sa.String(64), nullable=True),
        sa.Column("verdict", sa.String(16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_console_alert_work_status", "console_alert_work", ["status"])
    op.create_table(
        "console_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("branch_path", BRANCH, nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_console_audit_time", "console_audit", ["at_ms"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_REFUSE)
    else:
        for statement in _SQLITE_REFUSE:
            op.execute(statement)


def downgrade() -> None:
    for table in ("console_audit", "console_alert_work", "console_login_failures", "console_sessions",
                  "console_users"):
        op.drop_table(table)
