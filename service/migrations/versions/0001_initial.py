"""Initial decision store: decisions, rule hits, alerts, block commands, versions, control pointers, API keys.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(64)
BRANCH = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("transaction_id", ID, primary_key=True),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=True),
        sa.Column("device_id", ID, nullable=True),
        sa.Column("counterparty_id", ID, nullable=True),
        sa.Column("branch_path", BRANCH, nullable=False),
        sa.Column("event_time_ms", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("ruleset_version", sa.Text(), nullable=False),
        sa.Column("policy_version", sa.Text(), nullable=True),
        sa.Column("model_version", sa.Text(), nullable=True),
        sa.Column("stored_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
    )
    op.create_index("ix_decisions_time", "decisions", ["event_time_ms", "transaction_id"])
    op.create_index("ix_decisions_branch_time", "decisions", ["branch_path", "event_time_ms"])
    op.create_index("ix_decisions_account_time", "decisions", ["account_id", "event_time_ms"])
    op.create_index("ix_decisions_device_time", "decisions", ["device_id", "event_time_ms"])
    op.create_index("ix_decisions_payee_time", "decisions", ["counterparty_id", "event_time_ms"])
    op.create_table(
        "decision_rule_hits",
        sa.Column("transaction_id", ID, primary_key=True),
        sa.Column("rule_id", sa.String(128), primary_key=True),
        sa.Column("event_time_ms", sa.BigInteger(), nullable=False),
        sa.Column("shadow", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_rule_hits_rule_time", "decision_rule_hits", ["rule_id", "event_time_ms"])
    op.create_table(
        "alerts",
        sa.Column("alert_id", sa.String(128), primary_key=True),
        sa.Column("transaction_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("branch_path", BRANCH, nullable=False),
        sa.Column("event_time_ms", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("stored_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
    )
    op.create_index("ix_alerts_account_time", "alerts", ["account_id", "event_time_ms"])
    op.create_index("ix_alerts_branch_time", "alerts", ["branch_path", "event_time_ms"])
    op.create_index("ix_alerts_transaction", "alerts", ["transaction_id"])
    op.create_table(
        "block_commands",
        sa.Column("command_id", sa.String(160), primary_key=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target_id", ID, nullable=False),
        sa.Column("transaction_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("issued_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("stored_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
    )
    op.create_index("ix_blocks_target", "block_commands", ["target_id"])
    op.create_index("ix_blocks_expiry", "block_commands", ["expires_at_ms"])
    op.create_index("ix_blocks_transaction", "block_commands", ["transaction_id"])
    op.create_table(
        "versions_seen",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("version", sa.String(160), primary_key=True),
        sa.Column("first_seen_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_ms", sa.BigInteger(), nullable=False),
        sa.Column("decisions", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "control_pointers",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("published_at_ms", sa.BigInteger(), primary_key=True),
        sa.Column("version", sa.String(160), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("scope", sa.String(80), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at_ms", sa.BigInteger(), nullable=True),
    )


def downgrade() -> None:
    for table in ("api_keys", "control_pointers", "versions_seen", "block_commands", "alerts",
                  "decision_rule_hits", "decisions"):
        op.drop_table(table)
