"""The decision policy as data: how rule hits and the model score become an action.

Thresholds are chosen by the deepest org scope covering the transaction's branch path, and within it
by the exact channel before the wildcard `*`; a root entry (`scope: ''`, `channel: '*'`) is required so
every transaction has thresholds.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from risk.policy.exceptions import PolicyError
from risk.rules.model import BRANCH_PATH_PATTERN, REASON_CODE_PATTERN
from schemas.common import Action


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Thresholds(_Frozen):
    """Score at or above which each action applies; must not decrease with severity."""

    scope: str = Field(default="", pattern=BRANCH_PATH_PATTERN)
    channel: str = "*"
    challenge: float = Field(ge=0.0, le=1.0)
    review: float = Field(ge=0.0, le=1.0)
    block: float = Field(ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if not self.challenge <= self.review <= self.block:
            raise ValueError(f"thresholds for scope '{self.scope}' channel '{self.channel}' must satisfy "
                             f"challenge <= review <= block")
        return self

    def action_for(self, score: float) -> Action:
        if score >= self.block:
            return Action.BLOCK
        if score >= self.review:
            return Action.REVIEW
        if score >= self.challenge:
            return Action.CHALLENGE
        return Action.ALLOW


class AlertBudget(_Frozen):
    """The share of genuine transactions a scope accepts at each action (0.005 = 0.5%).

    Declared by the bank, measured by `fraudstream rules calibrate` and `policy calibrate`, which propose
    rule actions and score thresholds that keep genuine friction inside it.
    """

    scope: str = Field(default="", pattern=BRANCH_PATH_PATTERN)
    challenge: float = Field(default=0.01, ge=0.0, le=1.0)
    review: float = Field(default=0.005, ge=0.0, le=1.0)
    block: float = Field(default=0.0005, ge=0.0, le=1.0)

    def share(self, action: Action) -> float:
        """The genuine share allowed at exactly `action` (ALLOW: everything)."""
        return {Action.ALLOW: 1.0, Action.CHALLENGE: self.challenge, Action.REVIEW: self.review,
                Action.BLOCK: self.block}[action]

    def at_least(self, action: Action) -> float:
        """The genuine share allowed at `action` or anything more severe."""
        return sum(self.share(a) for a in Action if a.severity >= action.severity and a is not Action.ALLOW)


class Combiner(_Frozen):
    """A calibrated stack of rule and model scores (see `risk.policy.combine`), fitted offline."""

    kind: Literal["logistic"] = "logistic"
    intercept: float
    rule_coef: float = Field(ge=0.0, description="weight of the rule score")
    model_coef: float = Field(ge=0.0, description="weight of the model score's log-odds")
    eps: float = Field(default=1e-6, gt=0.0, lt=0.5, description="model scores are clipped to [eps, 1 - eps]")
    fitted_on: str = Field(default="", description="where the coefficients came from (free text)")


def _version_text(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class PolicySpec(_Frozen):
    version: Annotated[str, BeforeValidator(_version_text), Field(min_length=1)]
    description: str = ""
    rule_weight: float = Field(default=0.5, ge=0.0, le=1.0, description="share of the rule score in the blend")
    model_weight: float = Field(default=0.5, ge=0.0, le=1.0, description="share of the model score")
    score_reason_code: str = Field(default="RISK_SCORE_HIGH", pattern=REASON_CODE_PATTERN)
    combiner: Combiner | None = Field(default=None, description="when set, replaces the linear blend "
                                                                "whenever a model score is present")
    thresholds: tuple[Thresholds, ...]
    budgets: tuple[AlertBudget, ...] = Field(default=(AlertBudget(),), description="genuine friction allowed "
                                             "per scope; the deepest covering scope applies")

    @model_validator(mode="after")
    def _consistent(self) -> PolicySpec:
        if abs(self.rule_weight + self.model_weight - 1.0) > 1e-9:
            raise ValueError("rule_weight + model_weight must be 1")
        keys = [(t.scope, t.channel) for t in self.thresholds]
        if len(set(keys)) != len(keys):
            raise ValueError("each (scope, channel) may have one thresholds entry")
        if ("", "*") not in keys:
            raise ValueError("a root thresholds entry (scope '', channel '*') is required")
        scopes = [b.scope for b in self.budgets]
        if len(set(scopes)) != len(scopes) or "" not in scopes:
            raise ValueError("budgets need one root entry (scope '') and at most one entry per scope")
        return self


def parse_policy(text: str, source: str = "<text>") -> PolicySpec:
    """Parse a policy document (no filesystem access)."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise PolicyError([f"YAML: {err}"], source) from None
    try:
        return PolicySpec.model_validate(raw)
    except ValidationError as err:
        raise PolicyError([f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in err.errors()],
                          source) from None
