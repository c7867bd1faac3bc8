import pytest

from risk.features.common import StageConfig
from risk.features.entities import CounterpartyStage, DeviceStage, LocationStage
from risk.features.labels import apply_label
from risk.features.stage import run_stage

from .factories import DAY, HOUR, MIN, T0, tx

CFG = StageConfig()


def feed(stage, txs, state=None):
    outcome = None
    for item in txs:
        outcome = run_stage(stage, state, item, f"s:0:{item.transaction_id}", CFG)
        state = outcome.state or state
    return state, outcome


def test_device_farm_counts_distinct_accounts():
    txs = [tx(i, at=T0 + i * MIN, account_id=f"acc{i % 4}") for i in range(8)]
    _, outcome = feed(DeviceStage(), txs)
    assert outcome.features["device.distinct_accounts_1h"] == 4
    assert outcome.features["device.tx_count_1h"] == 8
    assert outcome.features["device.is_new"] is False


def test_first_sighting_of_a_device_is_new():
    _, outcome = feed(DeviceStage(), [tx(1)])
    assert outcome.features["device.is_new"] is True and outcome.features["device.days_since_first_seen"] is None


def test_counterparty_fan_in_counts_senders():
    txs = [tx(i, at=T0 + i * HOUR, account_id=f"victim{i}") for i in range(5)]
    _, outcome = feed(CounterpartyStage(), txs)
    assert outcome.features["counterparty.distinct_senders_24h"] == 5
    assert outcome.features["counterparty.distinct_senders_1h"] == 1


def test_new_senders_count_first_time_payers_of_the_hour_not_the_regulars():
    regulars = [tx(f"r{i}", at=T0 + i * MIN, account_id=f"regular{i % 2}") for i in range(4)]  # both seen before
    strangers = [tx(f"s{i}", at=T0 + DAY + i * MIN, account_id=f"stranger{i % 3}") for i in range(6)]
    back = [tx(f"b{i}", at=T0 + DAY + (10 + i) * MIN, account_id=f"regular{i}") for i in range(2)]
    _, outcome = feed(CounterpartyStage(), [*regulars, *strangers, *back])
    assert outcome.features["counterparty.distinct_senders_1h"] == 5
    assert outcome.features["counterparty.new_senders_1h"] == 3  # three strangers; the regulars are not new
    _, outcome = feed(CounterpartyStage(), [*regulars, *strangers, tx("late", at=T0 + DAY + 2 * HOUR)])
    assert outcome.features["counterparty.new_senders_1h"] == 1  # the strangers aged out; acc1 is new itself


def test_entity_state_written_before_new_users_were_counted_still_decodes():
    state, _ = feed(CounterpartyStage(), [tx(1, account_id="old")])
    old = {k: v for k, v in state.items() if k != "new"}  # as an older release stored it
    state, outcome = feed(CounterpartyStage(), [tx(2, at=T0 + MIN, account_id="fresh")], old)
    assert outcome.features["counterparty.new_senders_1h"] == 1 and "new" in state


def test_labels_count_only_once_confirmed():
    state, _ = feed(CounterpartyStage(), [tx(1, at=T0)])
    apply_label(state, "tx1", True, T0 + 2 * DAY, CFG)
    _, before = feed(CounterpartyStage(), [tx(2, at=T0 + DAY)], state)
    assert before.features["counterparty.fraud_count_30d"] == 0
    _, after = feed(CounterpartyStage(), [tx(3, at=T0 + 3 * DAY)], state)
    assert after.features["counterparty.fraud_count_30d"] == 1
    assert after.features["counterparty.fraud_rate_30d"] == 1.0


def test_location_cell_counts_accounts_and_devices():
    txs = [tx(i, at=T0 + i * MIN, account_id=f"a{i}", device_id=f"d{i % 2}") for i in range(6)]
    _, outcome = feed(LocationStage(), txs)
    assert outcome.features["location.distinct_accounts_1h"] == 6
    assert outcome.features["location.distinct_devices_24h"] == 2


@pytest.mark.parametrize("stage", [DeviceStage(), LocationStage(), CounterpartyStage()], ids=lambda s: s.name)
def test_label_fed_counts_age_out_of_each_window_and_the_rate_counts_genuine_verdicts(stage):
    entity = stage.name
    state, _ = feed(stage, [tx(1, at=T0)])
    apply_label(state, "old", True, T0 + HOUR, CFG)  # fraud confirmed 10 days before `now`
    apply_label(state, "week", True, T0 + 8 * DAY, CFG)  # 2 days before
    apply_label(state, "fresh", True, T0 + 11 * DAY - HOUR, CFG)  # 1 hour before
    apply_label(state, "ok", False, T0 + 9 * DAY, CFG)  # a genuine verdict
    apply_label(state, "later", True, T0 + 12 * DAY, CFG)  # not yet confirmed at `now`
    _, outcome = feed(stage, [tx(2, at=T0 + 11 * DAY)], state)
    f = outcome.features
    assert (f[f"{entity}.fraud_count_1d"], f[f"{entity}.fraud_count_7d"], f[f"{entity}.fraud_count_30d"]) == (1, 2, 3)
    assert f[f"{entity}.fraud_rate_30d"] == 0.75
    _, fresh = feed(stage, [tx(3, at=T0)])
    assert fresh.features[f"{entity}.fraud_rate_30d"] is None and fresh.features[f"{entity}.fraud_count_30d"] == 0


def test_short_window_fraud_rates_are_not_diluted_by_old_genuine_verdicts():
    state, _ = feed(CounterpartyStage(), [tx(1, at=T0)])
    for k in range(6):  # a month of genuine verdicts before the compromise
        apply_label(state, f"g{k}", False, T0 + k * DAY, CFG)
    apply_label(state, "f1", True, T0 + 20 * DAY, CFG)
    apply_label(state, "f2", True, T0 + 20 * DAY + HOUR, CFG)
    _, outcome = feed(CounterpartyStage(), [tx(2, at=T0 + 20 * DAY + 2 * HOUR)], state)
    f = outcome.features
    assert f["counterparty.fraud_rate_30d"] == 0.25
    assert f["counterparty.fraud_rate_7d"] == 1.0 and f["counterparty.fraud_rate_1d"] == 1.0
    assert f["counterparty.days_since_fraud"] == pytest.approx(1 / 24)


def test_days_since_fraud_ignores_verdicts_not_yet_confirmed_and_genuine_ones():
    state, _ = feed(DeviceStage(), [tx(1, at=T0)])
    apply_label(state, "ok", False, T0 + HOUR, CFG)
    apply_label(state, "later", True, T0 + 3 * DAY, CFG)
    _, outcome = feed(DeviceStage(), [tx(2, at=T0 + DAY)], state)
    assert outcome.features["device.days_since_fraud"] is None
    assert outcome.features["device.fraud_rate_1d"] == 0.0
