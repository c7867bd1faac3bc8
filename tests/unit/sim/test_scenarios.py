"""Each fraud scenario leaves the pattern a detector would look for."""

from collections import defaultdict

from risk.features.common import haversine_km
from tests.unit.sim.conftest import by_account, fraud_transactions, scenario_run

HOUR = 3_600_000


def test_device_farm_shares_one_device_across_many_accounts_within_an_hour() -> None:
    records = scenario_run("device_farm")
    frauds = fraud_transactions(records, "device_farm")
    accounts_by_device: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for tx in frauds:
        accounts_by_device[tx["device_id"]].append((tx["_ms"], tx["account_id"]))
    best = max(len({a for t, a in uses if t - uses[0][0] < HOUR}) for uses in map(sorted, accounts_by_device.values()))
    assert best >= 5


def test_mule_receives_from_several_victims_then_sends_out_after() -> None:
    records = scenario_run("mule")
    frauds = fraud_transactions(records, "mule")
    inbound: dict[str, list[dict]] = defaultdict(list)
    for tx in frauds:
        if tx["counterparty"]:
            inbound[tx["counterparty"]["id"]].append(tx)
    mule, fan_in = max(inbound.items(), key=lambda item: len({t["account_id"] for t in item[1]}))
    fan_out = [tx for tx in frauds if tx["account_id"] == mule]
    assert len({t["account_id"] for t in fan_in}) >= 3
    assert fan_out and min(t["_ms"] for t in fan_out) > max(t["_ms"] for t in fan_in)


def test_card_testing_is_mostly_tiny_payments() -> None:
    frauds = fraud_transactions(scenario_run("card_testing"), "card_testing")
    tiny = [tx for tx in frauds if float(tx["amount"]) <= 10.0]
    assert len(tiny) >= 10 and len(tiny) / len(frauds) > 0.7


def test_takeover_resets_or_binds_a_device_before_draining() -> None:
    records = scenario_run("account_takeover")
    events = by_account(records, "account_event")
    frauds = fraud_transactions(records, "account_takeover")
    missing = [tx for tx in frauds if not any(
        e.value["kind"] in ("password_reset", "device_bound") and e.event_time_ms < tx["_ms"]
        and e.value["device_id"] == tx["device_id"] for e in events[tx["account_id"]])]
    assert frauds and missing == []


def test_sim_swap_changes_the_phone_before_the_transfers() -> None:
    records = scenario_run("sim_swap")
    events = by_account(records, "account_event")
    frauds = fraud_transactions(records, "sim_swap")
    missing = [tx for tx in frauds if not any(
        e.value["kind"] == "phone_changed" and e.event_time_ms < tx["_ms"] for e in events[tx["account_id"]])]
    assert frauds and missing == []


def test_telecom_scam_sends_large_sums_to_other_banks() -> None:
    frauds = fraud_transactions(scenario_run("telecom_scam"), "telecom_scam")
    assert frauds and all(tx["counterparty"].get("bank_code") for tx in frauds)
    assert sorted(float(tx["amount"]) for tx in frauds)[len(frauds) // 2] > 10_000


def test_compromised_payee_is_paid_by_many_victims() -> None:
    frauds = fraud_transactions(scenario_run("compromised_payee"), "compromised_payee")
    victims: dict[str, set[str]] = defaultdict(set)
    for tx in frauds:
        victims[tx["counterparty"]["id"]].add(tx["account_id"])
    assert max(len(v) for v in victims.values()) >= 10


def test_velocity_burst_fires_many_transfers_within_minutes() -> None:
    frauds = fraud_transactions(scenario_run("velocity_burst"), "velocity_burst")
    per_account: dict[str, list[int]] = defaultdict(list)
    for tx in frauds:
        per_account[tx["account_id"]].append(tx["_ms"])
    times = max(per_account.values(), key=len)
    assert len(times) >= 8 and max(times) - min(times) < 15 * 60_000


def test_impossible_travel_follows_a_home_transaction_too_fast() -> None:
    records = scenario_run("impossible_travel")
    frauds = fraud_transactions(records, "impossible_travel")
    history = by_account(records, "transaction")
    fraud_ids = {tx["transaction_id"] for tx in frauds}

    def too_fast(tx: dict) -> bool:
        earlier = [r for r in history[tx["account_id"]]
                   if r.value["transaction_id"] not in fraud_ids and tx["_ms"] - 2 * HOUR < r.event_time_ms < tx["_ms"]
                   and r.value["geo"]]
        return any(haversine_km(r.value["geo"]["lat"], r.value["geo"]["lon"], tx["geo"]["lat"], tx["geo"]["lon"])
                   / ((tx["_ms"] - r.event_time_ms) / HOUR) > 500 for r in earlier)

    assert frauds and any(too_fast(tx) for tx in frauds)


def test_dormant_account_has_no_history_before_reactivation() -> None:
    records = scenario_run("dormant_reactivation")
    frauds = fraud_transactions(records, "dormant_reactivation")
    fraud_ids = {tx["transaction_id"] for tx in frauds}
    first_fraud = {}
    for tx in frauds:
        first_fraud.setdefault(tx["account_id"], tx["_ms"])
    earlier = [r for r in records if r.kind == "transaction" and r.key in first_fraud
               and r.value["transaction_id"] not in fraud_ids and r.event_time_ms < first_fraud[r.key]]
    assert frauds and earlier == []
