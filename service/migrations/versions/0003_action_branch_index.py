"""Decisions by action within a branch subtree, newest first (a county's REVIEW queue, say).

Without it such a listing read the subtree's every decision through ix_decisions_branch_time and filtered the
action afterwards: at 500,000 stored decisions its p50 was 47 ms and its p99 72x a primary-key read on SQLite
(`python -m bench --only service`). With the action first, only the subtree's decisions of that action are read.

Revision ID: 0003
Revises: console01
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "console01"  # after the analyst console's tables
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_decisions_action_branch_time", "decisions", ["action", "branch_path", "event_time_ms"])


def downgrade() -> None:
    op.drop_index("ix_decisions_action_branch_time", table_name="decisions")
