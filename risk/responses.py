"""Response plan: which block commands a decision triggers. Data (rules/responses.yaml), not code."""

from __future__ import annotations

from collections.abc import Sequence

import yaml
from pydantic import BaseModel, ConfigDict, Field

from schemas.block_command import BlockAction
from schemas.common import Action


class ResponseRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    action: BlockAction
    reason_codes: list[str] = Field(min_length=1, description="any of these among the decision's reasons")
    on_actions: list[Action] = Field(default=[Action.BLOCK], description="decision actions this applies to")
    expires_after_hours: float | None = Field(default=None, gt=0, description="None = until lifted")


class ResponsePlan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    block_transaction_on: list[Action] = Field(default=[Action.BLOCK])
    transaction_block_hours: float | None = None
    rules: list[ResponseRule] = Field(default_factory=list)

    def commands(self, action: Action, reason_codes: Sequence[str]) -> list[tuple[BlockAction, float | None]]:
        """(block action, expiry hours) pairs for a decision, without duplicates, in plan order."""
        planned: list[tuple[BlockAction, float | None]] = []
        if action in self.block_transaction_on:
            planned.append((BlockAction.BLOCK_TRANSACTION, self.transaction_block_hours))
        reasons = set(reason_codes)
        for rule in self.rules:
            already = any(existing == rule.action for existing, _ in planned)
            if action in rule.on_actions and reasons.intersection(rule.reason_codes) and not already:
                planned.append((rule.action, rule.expires_after_hours))
        return planned


def parse_response_plan(text: str) -> ResponsePlan:
    return ResponsePlan.model_validate(yaml.safe_load(text) or {})
