"""Assemble the published outputs of one decision: Decision, Alert, BlockCommands (JSON-ready dicts).

Everything here is a pure function of its inputs, event time included, so a redelivered transaction
yields byte-identical outputs (consumers dedupe by transaction id / command id).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from risk.facts import TxFacts
from risk.responses import ResponsePlan
from schemas.common import Action
from schemas.times import iso_utc

HOUR_MS = 3_600_000
# A ruleset of thousands of rules can hit hundreds at once: beyond this many, only the count travels, so a
# decision stays far below Kafka's 1 MiB message limit (an output that cannot be produced would stall its input).
MAX_LISTED_HITS = 500


@dataclass(frozen=True)
class Assessment:
    action: Action
    score: float
    rule_score: float
    reason_codes: list[str]
    hits: list[dict[str, Any]]  # RuleHit-shaped: rule_id, reason_code, action, weight, shadow
    model_score: float | None = None
    challenger_score: float | None = None


@dataclass(frozen=True)
class Versions:
    ruleset: str
    model: str | None = None
    challenger: str | None = None
    policy: str | None = None


class Strategy(Protocol):
    """What the decide step needs: rules + models + policy behind one call, swapped atomically."""

    versions: Versions

    def assess(self, features: Mapping[str, Any], facts: TxFacts) -> Assessment: ...

    def assess_batch(self, rows: Sequence[Mapping[str, Any]], facts: Sequence[TxFacts]) -> list[Assessment]: ...


@dataclass(frozen=True)
class Outputs:
    decision: dict[str, Any]
    alert: dict[str, Any] | None
    blocks: list[dict[str, Any]] = field(default_factory=list)


def build_outputs(
    facts: TxFacts,
    features: Mapping[str, Any],
    assessment: Assessment,
    versions: Versions,
    responses: ResponsePlan,
    *,
    late: bool = False,
    timings_ms: Mapping[str, float] | None = None,
) -> Outputs:
    event_time = iso_utc(facts.event_time_ms)
    decision = {
        "transaction_id": facts.transaction_id,
        "account_id": facts.account_id,
        "event_time": event_time,
        "action": assessment.action.value,
        "score": round(assessment.score, 6),
        "rule_score": round(assessment.rule_score, 6),
        "model_score": None if assessment.model_score is None else round(assessment.model_score, 6),
        "challenger_score": None if assessment.challenger_score is None else round(assessment.challenger_score, 6),
        "reason_codes": list(assessment.reason_codes[:MAX_LISTED_HITS]),
        "rule_hits": assessment.hits[:MAX_LISTED_HITS],
        "features": dict(features),
        "ruleset_version": versions.ruleset,
        "model_version": versions.model,
        "challenger_version": versions.challenger,
        "policy_version": versions.policy,
        "branch_path": facts.branch_path,
        "channel": facts.channel,
        "amount": facts.amount_text,
        "late": late,
        "timings_ms": dict(timings_ms or {}),
    }
    if len(assessment.hits) > MAX_LISTED_HITS:
        decision["rule_hits_total"] = len(assessment.hits)
    if assessment.action == Action.ALLOW:
        return Outputs(decision, None, [])
    active_hits = [hit for hit in assessment.hits if not hit["shadow"]]
    alert = {
        "alert_id": f"{facts.transaction_id}:alert",
        "transaction_id": facts.transaction_id,
        "account_id": facts.account_id,
        "customer_id": facts.customer_id,
        "branch_path": facts.branch_path,
        "action": assessment.action.value,
        "score": decision["score"],
        "reason_codes": list(assessment.reason_codes[:MAX_LISTED_HITS]),
        "rule_hits": active_hits[:MAX_LISTED_HITS],
        "amount": facts.amount_text,
        "currency": facts.currency,
        "channel": facts.channel,
        "counterparty_id": facts.counterparty_id,
        "device_id": facts.device_id,
        "event_time": event_time,
        "ruleset_version": versions.ruleset,
        "model_version": versions.model,
    }
    if len(active_hits) > MAX_LISTED_HITS:
        alert["rule_hits_total"] = len(active_hits)
    targets = {"block_transaction": facts.transaction_id, "freeze_account": facts.account_id,
               "block_device": facts.device_id, "block_payee": facts.counterparty_id}
    blocks = []
    for block_action, hours in responses.commands(assessment.action, assessment.reason_codes):
        target = targets[block_action.value]
        if target is None:
            continue
        blocks.append({
            "command_id": f"{facts.transaction_id}:{block_action.value}",
            "action": block_action.value,
            "target_id": target,
            "transaction_id": facts.transaction_id,
            "account_id": facts.account_id,
            "reason_codes": list(assessment.reason_codes[:MAX_LISTED_HITS]),
            "issued_at": event_time,
            "expires_at": None if hours is None else iso_utc(facts.event_time_ms + int(hours * HOUR_MS)),
        })
    return Outputs(decision, alert, blocks)
