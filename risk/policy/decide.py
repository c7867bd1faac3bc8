"""Rule hits + model score + org/channel thresholds → one action and ordered reason codes.

    rule_score = 1 - prod(1 - weight) over active hits        (independent evidence, stays in [0, 1])
    score      = rule_weight * rule_score + model_weight * model_score   (rule_score alone if no model)
                 or, when the policy has a `combiner`, its calibrated logistic stack (`risk.policy.combine`)
    action     = the more severe of the most severe active rule action and the threshold action of score

Shadow hits are reported but never change the action or the scores. Reason codes: active hits ordered by
action severity (most severe first), then priority (1 first), then weight (largest first), then rule
id; duplicates dropped. When the score's threshold action is more severe than every rule action, the
policy's score reason code comes first (it is what drove the decision), otherwise it is appended when the
threshold action is not ALLOW.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from risk.policy.combine import combine
from risk.policy.exceptions import ScoreError
from risk.policy.model import AlertBudget, PolicySpec, Thresholds
from risk.rules.hits import Hit
from risk.rules.scope import covers
from schemas.common import Action


@dataclass(frozen=True)
class Outcome:
    action: str
    score: float
    rule_score: float
    reason_codes: list[str]
    active_hits: list[Hit]
    shadow_hits: list[Hit]
    thresholds: Thresholds


def thresholds_for(policy: PolicySpec, branch_path: str, channel: str) -> Thresholds:
    """Deepest covering scope wins; within equal depth an exact channel beats '*'."""
    best: Thresholds | None = None
    best_rank = (-1, -1)
    for t in policy.thresholds:
        if not covers(t.scope, branch_path) or t.channel not in ("*", channel):
            continue
        depth = -1 if t.scope == "" else t.scope.count("/")
        rank = (depth, 1 if t.channel == channel else 0)
        if rank > best_rank:
            best, best_rank = t, rank
    assert best is not None  # the root entry is required by PolicySpec
    return best


def budget_for(policy: PolicySpec, branch_path: str) -> AlertBudget:
    """The deepest budget scope covering the branch (the root entry always does)."""
    covering = [b for b in policy.budgets if covers(b.scope, branch_path)]
    return max(covering, key=lambda b: -1 if b.scope == "" else b.scope.count("/"))


def _severity(action: str) -> int:
    return Action(action).severity


def decide(hits: Sequence[Hit], model_score: float | None, branch_path: str, channel: str,
           policy: PolicySpec, thresholds: Thresholds | None = None) -> Outcome:
    """`thresholds`: those `thresholds_for` gives this branch and channel, when the caller has them at hand."""
    if model_score is not None and (math.isnan(model_score) or not 0.0 <= model_score <= 1.0):
        raise ScoreError(f"model score must be in [0, 1] or None, got {model_score!r}")
    active = [h for h in hits if not h.shadow]
    shadow = [h for h in hits if h.shadow]
    miss = 1.0
    for h in active:
        miss *= 1.0 - h.weight
    rule_score = min(max(1.0 - miss, 0.0), 1.0)
    score = combine(policy, rule_score, model_score)
    thresholds = thresholds if thresholds is not None else thresholds_for(policy, branch_path, channel)
    score_action = thresholds.action_for(score)
    ordered = sorted(active, key=lambda h: (-_severity(h.action), h.priority, -h.weight, h.rule_id))
    rule_action = Action(ordered[0].action) if ordered else Action.ALLOW
    action = max(rule_action, score_action, key=lambda a: a.severity)
    codes: list[str] = []
    for h in ordered:
        if h.reason_code not in codes:
            codes.append(h.reason_code)
    if score_action.severity > rule_action.severity:
        codes.insert(0, policy.score_reason_code)
    elif score_action is not Action.ALLOW and policy.score_reason_code not in codes:
        codes.append(policy.score_reason_code)
    return Outcome(action.value, score, rule_score, codes, active, shadow, thresholds)
