import pytest

from risk.features.account import AccountStage
from risk.features.catalog import FEATURES, absent_values, names_for
from risk.features.common import StageConfig
from risk.features.entities import CounterpartyStage, DeviceStage, LocationStage
from risk.features.stage import Status, run_stage
from risk.features.transaction import tx_features

from .factories import MIN, T0, tx

PY_TYPES = {"float": (float, int), "int": (int,), "bool": (bool,), "str": (str,)}


def test_every_stage_emits_exactly_its_catalogue_names_with_declared_types():
    produced = dict(tx_features(tx(1), 480))
    for stage in (AccountStage(), DeviceStage(), LocationStage(), CounterpartyStage()):
        outcome = run_stage(stage, None, tx(1), "s:0:1", StageConfig())
        assert sorted(outcome.features) == sorted(names_for(stage.name))
        produced.update(outcome.features)
    assert sorted(produced) == sorted(FEATURES)
    for name, value in produced.items():
        spec = FEATURES[name]
        assert (value is None and spec.nullable) or isinstance(value, PY_TYPES[spec.dtype]), name


def test_absent_entities_emit_the_same_names():
    for stage in (DeviceStage(), LocationStage(), CounterpartyStage()):
        assert sorted(stage.absent(tx(1))) == sorted(names_for(stage.name))


def test_local_hour_uses_the_bank_zone():
    assert tx_features(tx(1, at=0), 480)["tx.hour"] == 8


# What absent() emitted before it was derived from the catalogue, written out: order, types and values
# (plus the short-window rates and days since fraud added since, all None: nothing known, and the count of
# first-time users, 0).
ABSENT_BEFORE = {
    "device": "{'device.is_new': False, 'device.days_since_first_seen': None, 'device.tx_count_1h': 0, "
              "'device.tx_count_24h': 0, 'device.amount_sum_24h': 0.0, 'device.distinct_accounts_1h': 0, "
              "'device.distinct_accounts_24h': 0, 'device.distinct_accounts_7d': 0, 'device.new_accounts_1h': 0, "
              "'device.fraud_count_1d': 0, 'device.fraud_count_7d': 0, 'device.fraud_count_30d': 0, "
              "'device.fraud_rate_1d': None, "
                "'device.fraud_rate_7d': None, 'device.fraud_rate_30d': None, 'device.days_since_fraud': None}",
    "location": "{'location.cell': None, 'location.tx_count_1h': 0, 'location.distinct_accounts_1h': 0, "
                "'location.distinct_accounts_24h': 0, 'location.distinct_devices_24h': 0, "
                "'location.fraud_count_1d': 0, 'location.fraud_count_7d': 0, 'location.fraud_count_30d': 0, "
                "'location.fraud_rate_1d': None, "
                "'location.fraud_rate_7d': None, 'location.fraud_rate_30d': None, 'location.days_since_fraud': None}",
    "counterparty": "{'counterparty.is_new': False, 'counterparty.days_since_first_seen': None, "
                    "'counterparty.tx_count_1h': 0, 'counterparty.tx_count_24h': 0, "
                    "'counterparty.amount_sum_24h': 0.0, 'counterparty.distinct_senders_1h': 0, "
                    "'counterparty.distinct_senders_24h': 0, 'counterparty.distinct_senders_7d': 0, "
                    "'counterparty.new_senders_1h': 0, 'counterparty.fraud_count_1d': 0, "
                    "'counterparty.fraud_count_7d': 0, "
                    "'counterparty.fraud_count_30d': 0, 'counterparty.fraud_rate_1d': None, "
                "'counterparty.fraud_rate_7d': None, 'counterparty.fraud_rate_30d': None, "
                "'counterparty.days_since_fraud': None}",
}


def test_absent_values_come_from_the_catalogue_in_its_order_and_match_what_was_emitted_before():
    bare = tx(1, device_id=None, counterparty_id=None, cell=None)
    for stage in (DeviceStage(), LocationStage(), CounterpartyStage()):
        absent = stage.absent(bare)
        assert list(absent.items()) == [(name, FEATURES[name].absent_value) for name in names_for(stage.name)]
        assert absent == absent_values(stage.name)
        assert repr(absent) == ABSENT_BEFORE[stage.name]  # repr tells 0, 0.0 and False apart
        outcome = run_stage(stage, None, bare, "s:0:1", StageConfig())
        assert outcome.status is Status.ABSENT and repr(outcome.features) == ABSENT_BEFORE[stage.name]


def test_absent_returns_a_fresh_dict_each_time():
    stage = DeviceStage()
    stage.absent(tx(1))["device.tx_count_1h"] = 99
    assert stage.absent(tx(2))["device.tx_count_1h"] == 0


def test_absent_value_follows_the_type():
    assert FEATURES["device.is_new"].absent_value is False
    assert FEATURES["device.tx_count_1h"].absent_value == 0 and type(FEATURES["device.tx_count_1h"].absent_value) is int
    assert FEATURES["device.amount_sum_24h"].absent_value == 0.0
    assert type(FEATURES["device.amount_sum_24h"].absent_value) is float
    assert FEATURES["device.days_since_first_seen"].absent_value is None
    assert FEATURES["location.cell"].absent_value is None
    with pytest.raises(ValueError, match="no absent value"):
        _ = FEATURES["tx.channel"].absent_value


def test_compute_emits_exactly_the_catalogue_names():
    cfg = StageConfig()
    for stage in (AccountStage(), DeviceStage(), LocationStage(), CounterpartyStage()):
        assert list(stage.feature_names) == names_for(stage.name)
        first = run_stage(stage, None, tx(1), "s:0:1", cfg)
        second = run_stage(stage, first.state, tx(2, at=T0 + MIN, account_id="acc2"), "s:0:2", cfg)
        for outcome in (first, second):
            assert outcome.status is Status.NEW
            assert set(outcome.features) == set(names_for(stage.name))
            if stage.name != "account":  # the account stage emits tx_count_<w> and amount_sum_<w> per window
                assert list(outcome.features) == names_for(stage.name)
