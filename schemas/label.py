"""Label: a confirmed verdict on a transaction, fed back for label-fed features and training."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, Field

from schemas.common import ID, Message


class LabelSource(StrEnum):
    ANALYST = "analyst"
    COMPLAINT = "complaint"
    CHARGEBACK = "chargeback"
    SIMULATOR = "simulator"


class Label(Message):
    transaction_id: str = Field(pattern=ID)
    is_fraud: bool
    source: LabelSource
    confirmed_at: AwareDatetime = Field(description="when the verdict became known: features never see it earlier")
    account_id: str | None = Field(default=None, pattern=ID)
    counterparty_id: str | None = Field(default=None, pattern=ID)
    device_id: str | None = Field(default=None, pattern=ID)
    location_cell: str | None = Field(default=None, max_length=32)
    scenario: str | None = Field(default=None, max_length=64, description="fraud pattern tag, if known")
