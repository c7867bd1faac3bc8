"""Label: a confirmed verdict on a transaction, fed back for label-fed features and training."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, Field

from schemas.common import ID, Geo, Message


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
    location_cell: str | None = Field(default=None, max_length=32,
                                      description="the cell's id if known; otherwise derived from geo/region_code")
    geo: Geo | None = Field(default=None, description="where the labelled transaction was made (its own geo)")
    region_code: str | None = Field(default=None, pattern=r"^[0-9]{6}$",
                                    description="the transaction's GB/T 2260 area code, when it had no "
                                                "coordinates")
    scenario: str | None = Field(default=None, max_length=64, description="fraud pattern tag, if known")
