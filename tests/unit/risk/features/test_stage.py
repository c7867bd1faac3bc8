from risk.features.account import AccountStage
from risk.features.common import StageConfig
from risk.features.entities import DeviceStage
from risk.features.stage import Status, run_stage

from .factories import MIN, T0, tx

CFG = StageConfig(lateness_ms=5 * MIN)


def test_redelivery_re_emits_the_same_features_and_counts_nothing():
    first = run_stage(AccountStage(), None, tx(1), "src:0:7", CFG, drop_duplicates=True)
    again = run_stage(AccountStage(), first.state, tx(1), "src:0:7", CFG, drop_duplicates=True)
    assert again.status is Status.REDELIVERED and again.state is None
    assert again.features == first.features
    nxt = run_stage(AccountStage(), first.state, tx(2, at=T0 + MIN), "src:0:8", CFG, drop_duplicates=True)
    assert nxt.features["account.tx_count_1h"] == 2


def test_duplicate_transaction_id_from_another_position_is_dropped():
    first = run_stage(AccountStage(), None, tx(1), "src:0:7", CFG, drop_duplicates=True)
    dup = run_stage(AccountStage(), first.state, tx(1), "src:1:99", CFG, drop_duplicates=True)
    assert dup.status is Status.DUPLICATE and dup.state is None


def test_later_stages_treat_any_repeat_as_redelivery():
    first = run_stage(DeviceStage(), None, tx(1), "a:0:1", CFG)
    again = run_stage(DeviceStage(), first.state, tx(1), "a:0:2", CFG)
    assert again.status is Status.REDELIVERED


def test_too_late_events_are_decided_but_not_counted():
    state = run_stage(AccountStage(), None, tx(1, at=T0 + 30 * MIN), "s:0:1", CFG).state
    late = run_stage(AccountStage(), state, tx(2, at=T0), "s:0:2", CFG)
    assert late.status is Status.LATE
    after = run_stage(AccountStage(), late.state, tx(3, at=T0 + 31 * MIN), "s:0:3", CFG)
    assert after.features["account.tx_count_1h"] == 2  # tx1 and tx3, not the late tx2


def test_missing_entity_gives_neutral_features_without_state():
    outcome = run_stage(DeviceStage(), None, tx(1, device_id=None), "s:0:1", CFG)
    assert outcome.status is Status.ABSENT and outcome.state is None
    assert outcome.features["device.distinct_accounts_24h"] == 0


def test_an_id_beyond_the_replay_window_is_still_not_recounted():
    cfg = StageConfig(dedupe_capacity=10, replay_capacity=2)
    state = None
    for i in range(5):
        state = run_stage(AccountStage(), state, tx(i, at=T0 + i * MIN), f"s:0:{i}", cfg).state
    again = run_stage(AccountStage(), state, tx(0, at=T0), "s:0:0", cfg)
    assert again.status is Status.REDELIVERED and again.state is None
    nxt = run_stage(AccountStage(), state, tx(9, at=T0 + 9 * MIN), "s:0:9", cfg)
    assert nxt.features["account.tx_count_1h"] == 6
