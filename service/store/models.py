"""Tables of the decision store. Alembic migrations (service/migrations) create them; a test holds the two equal.

Each message is kept whole (`record`, JSON text) for the API to return, plus the columns queries filter on.
Branch paths use byte-order collation on PostgreSQL ("C") so a subtree is one index range scan on both stores.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Float, Index, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID = String(64)
BRANCH = Text().with_variant(Text(collation="C"), "postgresql")


class Base(DeclarativeBase):
    pass


class DecisionRow(Base):
    """One per transaction (primary key: its id), so a redelivered decision writes nothing."""

    __tablename__ = "decisions"

    transaction_id: Mapped[str] = mapped_column(ID, primary_key=True)
    account_id: Mapped[str] = mapped_column(ID)
    customer_id: Mapped[str | None] = mapped_column(ID)
    device_id: Mapped[str | None] = mapped_column(ID)
    counterparty_id: Mapped[str | None] = mapped_column(ID)
    branch_path: Mapped[str] = mapped_column(BRANCH)
    event_time_ms: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    channel: Mapped[str] = mapped_column(Text)
    ruleset_version: Mapped[str] = mapped_column(Text)
    policy_version: Mapped[str | None] = mapped_column(Text)
    model_version: Mapped[str | None] = mapped_column(Text)
    stored_at_ms: Mapped[int] = mapped_column(BigInteger)
    record: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("ix_decisions_time", "event_time_ms", "transaction_id"),
        Index("ix_decisions_branch_time", "branch_path", "event_time_ms"),
        Index("ix_decisions_account_time", "account_id", "event_time_ms"),
        Index("ix_decisions_device_time", "device_id", "event_time_ms"),
        Index("ix_decisions_payee_time", "counterparty_id", "event_time_ms"),
        Index("ix_decisions_action_branch_time", "action", "branch_path", "event_time_ms"),  # migration 0003
    )


class RuleHitRow(Base):
    """Which rules fired on a decision (shadow hits included): the `rule` filter reads this."""

    __tablename__ = "decision_rule_hits"

    transaction_id: Mapped[str] = mapped_column(ID, primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    event_time_ms: Mapped[int] = mapped_column(BigInteger)
    shadow: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (Index("ix_rule_hits_rule_time", "rule_id", "event_time_ms"),)


class AlertRow(Base):
    __tablename__ = "alerts"

    alert_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    transaction_id: Mapped[str] = mapped_column(ID)
    account_id: Mapped[str] = mapped_column(ID)
    branch_path: Mapped[str] = mapped_column(BRANCH)
    event_time_ms: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    stored_at_ms: Mapped[int] = mapped_column(BigInteger)
    record: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("ix_alerts_account_time", "account_id", "event_time_ms"),
        Index("ix_alerts_branch_time", "branch_path", "event_time_ms"),
        Index("ix_alerts_transaction", "transaction_id"),
    )


class BlockRow(Base):
    """A block command; active while `expires_at_ms` is unset or in the future. Its branch comes from its
    transaction's decision (a block command carries none)."""

    __tablename__ = "block_commands"

    command_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    action: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(ID)
    transaction_id: Mapped[str] = mapped_column(ID)
    account_id: Mapped[str] = mapped_column(ID)
    issued_at_ms: Mapped[int] = mapped_column(BigInteger)
    expires_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    stored_at_ms: Mapped[int] = mapped_column(BigInteger)
    record: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("ix_blocks_target", "target_id"),
        Index("ix_blocks_expiry", "expires_at_ms"),
        Index("ix_blocks_transaction", "transaction_id"),
    )


class VersionSeenRow(Base):
    """A ruleset, policy or model version as decisions carried it: when first and last seen, how often."""

    __tablename__ = "versions_seen"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[str] = mapped_column(String(160), primary_key=True)
    first_seen_ms: Mapped[int] = mapped_column(BigInteger)
    last_seen_ms: Mapped[int] = mapped_column(BigInteger)
    decisions: Mapped[int] = mapped_column(BigInteger)


class ControlPointerRow(Base):
    """An activation read from the control topic: which version of a kind went live, when, by whom."""

    __tablename__ = "control_pointers"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    published_at_ms: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    version: Mapped[str] = mapped_column(String(160))
    author: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text)
    verified: Mapped[bool] = mapped_column(Boolean)


class ApiKeyRow(Base):
    """An API key: its public id, name, branch scope and the SHA-256 of its secret (never the secret)."""

    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    scope: Mapped[str] = mapped_column(String(80))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    revoked_at_ms: Mapped[int | None] = mapped_column(BigInteger)


