"""Alert: what a case tool or notification service needs to act on a risky transaction."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from schemas.common import ID, Action, Message
from schemas.decision import RuleHit


class Alert(Message):
    alert_id: str
    transaction_id: str = Field(pattern=ID)
    account_id: str = Field(pattern=ID)
    customer_id: str = Field(pattern=ID)
    branch_path: str
    action: Action
    score: float = Field(ge=0, le=1)
    reason_codes: list[str] = Field(description="most important first (at most 500)")
    rule_hits: list[RuleHit] = Field(description="active hits, at most 500, most important first")
    rule_hits_total: int | None = Field(default=None, ge=0, description="active hits before the cap; absent when "
                                                                        "all are listed")
    amount: str
    currency: str
    channel: str
    counterparty_id: str | None = None
    device_id: str | None = None
    event_time: AwareDatetime
    ruleset_version: str
    model_version: str | None = None
