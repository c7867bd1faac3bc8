"""The records a decision produces always fit in a Kafka message, however many rules hit."""

from __future__ import annotations

import orjson

from risk.decision import MAX_LISTED_HITS, Assessment, Versions, build_outputs
from risk.facts import facts_from
from risk.responses import ResponsePlan
from schemas import Alert, BlockCommand, Decision, Transaction
from schemas.common import Action
from tests.unit.agents.test_handlers import tx


def assessment(hits: int) -> Assessment:
    rows = [{"rule_id": f"RULE_{n:06d}", "reason_code": f"REASON_{n:06d}", "action": "BLOCK", "weight": 1.0,
             "shadow": False} for n in range(hits)]
    return Assessment(Action.BLOCK, 0.99, 0.99, [row["reason_code"] for row in rows], rows)


def outputs(hits: int):
    facts = facts_from(Transaction.model_validate(tx(1)))
    return build_outputs(facts, {"f": 1.0}, assessment(hits), Versions("v"), ResponsePlan())


def test_a_decision_with_ten_thousand_hits_lists_the_first_500_and_counts_the_rest():
    result = outputs(10_000)
    decision = Decision.model_validate(result.decision)
    assert len(decision.rule_hits) == len(decision.reason_codes) == MAX_LISTED_HITS
    assert decision.rule_hits_total == 10_000 and decision.rule_hits[0].rule_id == "RULE_000000"
    alert = Alert.model_validate(result.alert)
    assert alert.rule_hits_total == 10_000 and len(alert.rule_hits) == MAX_LISTED_HITS
    assert all(len(BlockCommand.model_validate(block).reason_codes) <= MAX_LISTED_HITS for block in result.blocks)
    assert len(orjson.dumps(result.decision)) < 256 * 1024


def test_a_decision_with_few_hits_lists_them_all_and_carries_no_total():
    result = outputs(3)
    assert len(result.decision["rule_hits"]) == 3 and "rule_hits_total" not in result.decision
