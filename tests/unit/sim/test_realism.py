"""The harder world: look-alike genuine behaviour, label noise, evasive fraudsters; all can be switched off."""

from __future__ import annotations

from sim import SimConfig
from sim.labels import FALSE_COMPLAINT
from tests.unit.sim.conftest import fraud_transactions, run

CLEAN = {"missed_fraud_rate": 0.0, "false_complaint_rate": 0.0, "lookalike_rate": 0.0, "evasion": 0.0}


def _fraud_tx_ids(records) -> set[str]:
    return {r.key for r in records if r.kind == "label" and r.value["is_fraud"]}


def test_some_fraud_is_never_reported_and_some_genuine_is_wrongly_reported() -> None:
    noisy = run(seed=4, fraud_rate=0.05, missed_fraud_rate=0.3, false_complaint_rate=0.01, lookalike_rate=0.0)
    clean = run(seed=4, fraud_rate=0.05, **CLEAN)
    frauds = [r for r in noisy if r.kind == "label" and r.value["is_fraud"] and r.value["scenario"] != FALSE_COMPLAINT]
    clean_frauds = [r for r in clean if r.kind == "label" and r.value["is_fraud"]]
    assert 0.5 * len(clean_frauds) < len(frauds) < 0.85 * len(clean_frauds)
    complaints = [r for r in noisy if r.kind == "label" and r.value["scenario"] == FALSE_COMPLAINT]
    assert complaints and all(r.value["is_fraud"] and r.value["source"] == "complaint" for r in complaints)


def test_look_alikes_add_genuine_new_phone_purchases_and_salary_bursts() -> None:
    with_them = run(seed=9, days=11.0, customers=600, fraud_rate=0.0, lookalike_rate=3.0)  # Jan 1-11: a salary day
    without = run(seed=9, days=11.0, customers=600, fraud_rate=0.0, lookalike_rate=0.0)
    bound = [r for r in with_them if r.kind == "account_event" and r.value["kind"] == "device_bound"]
    assert len(bound) > len([r for r in without if r.kind == "account_event" and r.value["kind"] == "device_bound"])
    salary_day = [r for r in with_them if r.kind == "transaction" and r.value["event_time"].startswith("2025-01-10")
                  and r.value["tx_type"] == "transfer"]
    usual_day = [r for r in with_them if r.kind == "transaction" and r.value["event_time"].startswith("2025-01-09")
                 and r.value["tx_type"] == "transfer"]
    assert len(salary_day) > 1.5 * len(usual_day)
    assert not _fraud_tx_ids(with_them) - {r.key for r in with_them if r.kind == "label"
                                           and r.value["scenario"] == FALSE_COMPLAINT}


def test_evasive_fraudsters_stay_under_the_velocity_thresholds() -> None:
    def fastest_5m(records) -> int:
        txs = fraud_transactions(records, "velocity_burst")
        by_account: dict[str, list[int]] = {}
        for t in txs:
            by_account.setdefault(t["account_id"], []).append(t["_ms"])
        return max(sum(1 for u in times if 0 <= u - s < 300_000) for times in by_account.values() for s in times)

    evasive = run(seed=6, scenario_weights={"velocity_burst": 1.0}, fraud_rate=0.05, evasion=1.0)
    blatant = run(seed=6, scenario_weights={"velocity_burst": 1.0}, fraud_rate=0.05, evasion=0.0)
    assert fastest_5m(evasive) < 5 <= fastest_5m(blatant)


def test_the_clean_world_is_still_reachable() -> None:
    records = run(seed=2, **CLEAN)
    assert not [r for r in records if r.kind == "label" and r.value["scenario"] == FALSE_COMPLAINT]
    assert SimConfig(**CLEAN).lookalike_rate == 0.0
