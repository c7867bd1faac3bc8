import pytest
from pydantic import ValidationError

from schemas import AccountEvent, Label, Transaction
from sim import SimConfig, SimRecord
from sim.exceptions import SimConfigError

MODELS = {"transaction": Transaction, "account_event": AccountEvent, "label": Label}


def test_every_record_validates_against_its_schema(week: list[SimRecord]) -> None:
    failures = []
    for record in week:
        try:
            MODELS[record.kind].model_validate(record.value)
        except ValidationError as err:
            failures.append((record.kind, str(err)[:200]))
    assert failures == []


def test_records_come_in_delivery_order(week: list[SimRecord]) -> None:
    times = [r.deliver_at_ms for r in week]
    assert times == sorted(times)


def test_keys_are_account_for_messages_and_transaction_for_labels(week: list[SimRecord]) -> None:
    wrong = [r for r in week
             if r.key != (r.value["transaction_id"] if r.kind == "label" else r.value["account_id"])]
    assert wrong == []


def test_all_three_kinds_are_produced(week: list[SimRecord]) -> None:
    assert {r.kind for r in week} == {"transaction", "account_event", "label"}


def test_fraud_share_is_near_the_target(week: list[SimRecord]) -> None:
    transactions = sum(r.kind == "transaction" for r in week)
    frauds = sum(r.kind == "label" and r.value["is_fraud"] for r in week)
    assert 0.005 <= frauds / transactions <= 0.02


def test_unknown_scenario_is_rejected_with_the_known_names() -> None:
    with pytest.raises(SimConfigError, match="known"):
        SimConfig(scenario_weights={"bank_robbery": 1.0})
