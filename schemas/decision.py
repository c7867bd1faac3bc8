"""Decision: one per valid transaction, the record every consumer and every replay can rely on."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from schemas.common import ID, Action, Message

FeatureValue = float | int | bool | str | None


class RuleHit(Message):
    rule_id: str
    reason_code: str
    action: Action
    weight: float = 0.0
    shadow: bool = Field(default=False, description="shadow rules are recorded, never acted on")


class Decision(Message):
    transaction_id: str = Field(pattern=ID)
    account_id: str = Field(pattern=ID)
    event_time: AwareDatetime
    action: Action
    score: float = Field(ge=0, le=1, description="combined risk score")
    rule_score: float = Field(ge=0, le=1)
    model_score: float | None = Field(default=None, ge=0, le=1)
    challenger_score: float | None = Field(default=None, ge=0, le=1)
    reason_codes: list[str] = Field(description="most important first (at most 500)")
    rule_hits: list[RuleHit] = Field(description="at most 500, most important first; see rule_hits_total")
    rule_hits_total: int | None = Field(default=None, ge=0, description="hits before the cap; absent when all "
                                                                        "are listed")
    features: dict[str, FeatureValue] = Field(description="feature snapshot the decision was made on")
    ruleset_version: str
    model_version: str | None = None
    challenger_version: str | None = None
    policy_version: str | None = Field(default=None, description="decision policy (thresholds, rules+model "
                                                                 "combination) the action came from")
    branch_path: str
    channel: str
    amount: str = Field(description="exact decimal amount as a string")
    late: bool = Field(default=False, description="arrived after the lateness bound: not counted in state")
    timings_ms: dict[str, float] = Field(default_factory=dict, description="per-stage processing time")
