from sim import LABEL_POLICIES, SimRecord
from sim.clock import to_ms


def test_labels_never_deliver_before_their_transaction(week: list[SimRecord]) -> None:
    tx_time = {r.value["transaction_id"]: r.deliver_at_ms for r in week if r.kind == "transaction"}
    early = [r for r in week if r.kind == "label" and r.deliver_at_ms < tx_time[r.key]]
    assert early == []


def test_label_delay_is_within_the_scenario_bounds(week: list[SimRecord]) -> None:
    tx_time = {r.value["transaction_id"]: r.event_time_ms for r in week if r.kind == "transaction"}
    outside = []
    for r in week:
        if r.kind == "label":
            policy = LABEL_POLICIES[r.value["scenario"] or "genuine"]
            delay = r.deliver_at_ms - tx_time[r.key]
            if not policy.min_delay_ms <= delay <= policy.max_delay_ms:
                outside.append((r.value["scenario"], delay))
    assert outside == []


def test_confirmed_at_is_the_delivery_time(week: list[SimRecord]) -> None:
    assert all(to_ms(r.value["confirmed_at"]) == r.deliver_at_ms for r in week if r.kind == "label")


def test_every_fraud_label_names_a_scenario(week: list[SimRecord]) -> None:
    frauds = [r.value for r in week if r.kind == "label" and r.value["is_fraud"]]
    assert frauds and all(v["scenario"] in LABEL_POLICIES for v in frauds)


def test_a_sample_of_genuine_transactions_is_labelled_genuine(week: list[SimRecord]) -> None:
    genuine = sum(r.kind == "label" and not r.value["is_fraud"] for r in week)
    transactions = sum(r.kind == "transaction" for r in week)
    assert 0.01 <= genuine / transactions <= 0.03


def test_labels_carry_account_and_counterparty(week: list[SimRecord]) -> None:
    tx = {r.value["transaction_id"]: r.value for r in week if r.kind == "transaction"}
    mismatched = [r for r in week if r.kind == "label" and (
        r.value["account_id"] != tx[r.key]["account_id"]
        or r.value["counterparty_id"] != (tx[r.key]["counterparty"] or {}).get("id"))]
    assert mismatched == []
