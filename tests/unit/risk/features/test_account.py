import random

import orjson

from risk.features.account import (
    AccountEventFacts,
    AccountStage,
    _memory,
    _percentile,
    _remember_amount,
    apply_account_event,
)
from risk.features.common import StageConfig
from risk.features.stage import run_stage

from .factories import DAY, HOUR, MIN, T0, tx

CFG = StageConfig()
STAGE = AccountStage()


def feed(txs, state=None):
    outcome = None
    for item in txs:
        outcome = run_stage(STAGE, state, item, f"src:0:{item.transaction_id}", CFG, drop_duplicates=True)
        state = outcome.state or state
    return state, outcome


def test_velocity_counts_include_the_current_transaction():
    _, outcome = feed([tx(1, at=T0), tx(2, at=T0 + MIN), tx(3, at=T0 + 2 * HOUR)])
    f = outcome.features
    assert f["account.tx_count_5m"] == 1
    assert f["account.tx_count_24h"] == 3
    assert f["account.amount_sum_24h"] == 300.0


def test_amount_profile_uses_history_before_the_transaction():
    history = [tx(i, at=T0 + i * HOUR, amount=a) for i, a in enumerate([100.0, 200.0, 300.0])]
    _, outcome = feed([*history, tx(9, at=T0 + 5 * HOUR, amount=1000.0)])
    f = outcome.features
    assert f["account.amount_mean_30d"] == 200.0
    assert f["account.amount_max_24h"] == 300.0
    assert f["account.amount_ratio_mean_30d"] == 5.0
    assert round(f["account.amount_zscore_30d"], 4) == round((1000 - 200) / (20000 / 3) ** 0.5, 4)


def test_new_device_payee_and_distinct_counts():
    _, outcome = feed([tx(1, at=T0), tx(2, at=T0 + MIN, device_id="dev2", counterparty_id="payee2")])
    f = outcome.features
    assert f["account.is_new_device"] is True and f["account.is_new_payee"] is True
    assert f["account.distinct_devices_24h"] == 2 and f["account.distinct_payees_24h"] == 2
    assert f["account.is_new_cell"] is False


def test_travel_speed_from_last_location():
    far = tx(2, at=T0 + HOUR, lat=39.90, lon=116.40, cell="g3990:11640")  # Guangzhou → Beijing in 1 h
    _, outcome = feed([tx(1, at=T0), far])
    assert 1800 < outcome.features["account.distance_from_last_km"] < 1950
    assert outcome.features["account.travel_speed_kmh"] == outcome.features["account.distance_from_last_km"]


def test_dormancy_in_days():
    _, outcome = feed([tx(1, at=T0), tx(2, at=T0 + 20 * DAY)])
    assert outcome.features["account.days_since_last_tx"] == 20.0


def test_account_events_feed_recency_and_login_failures():
    state = None
    for i, kind in enumerate(["login_failure", "login_failure", "password_reset"]):
        state = apply_account_event(state, AccountEventFacts(f"e{i}", T0 + i * MIN, "acc1", kind), CFG)
    _, outcome = feed([tx(1, at=T0 + 12 * MIN)], state)
    assert outcome.features["account.minutes_since_password_reset"] == 10.0
    assert outcome.features["account.login_failures_1h"] == 2


def test_a_repeated_account_event_is_applied_once():
    event = AccountEventFacts("e1", T0, "acc1", "login_failure")
    state = apply_account_event(None, event, CFG)
    assert apply_account_event(state, event, CFG) is None


def test_small_amounts_counted_for_card_testing():
    _, outcome = feed([tx(i, at=T0 + i * MIN, amount=1.0) for i in range(4)] + [tx(9, at=T0 + 5 * MIN, amount=500.0)])
    assert outcome.features["account.small_tx_count_1h"] == 4


def _run_account(txs, state=None):
    from risk.features.account import AccountStage
    from risk.features.common import StageConfig
    from risk.features.stage import run_stage

    outcome = None
    for item in txs:
        outcome = run_stage(AccountStage(), state, item, f"s:0:{item.transaction_id}", StageConfig())
        state = outcome.state or state
    return state, outcome


def test_amount_percentile_and_ratio_to_max_read_the_accounts_own_month():
    from .factories import DAY, T0, tx

    habit = [tx(i, at=T0 + i * DAY, amount=float(10 * (i + 1))) for i in range(10)]  # 10 .. 100
    _, top = _run_account([*habit, tx("big", at=T0 + 11 * DAY, amount=300.0)])
    assert top.features["account.amount_pct_30d"] == 1.0
    assert top.features["account.amount_ratio_max_30d"] == 3.0
    _, mid = _run_account([*habit, tx("mid", at=T0 + 11 * DAY, amount=55.0)])
    assert mid.features["account.amount_pct_30d"] == 0.5
    _, first = _run_account([tx("first")])
    assert first.features["account.amount_pct_30d"] is None and first.features["account.amount_ratio_max_30d"] is None


def test_merchants_and_person_to_person_payees_are_counted_apart():
    from .factories import MIN, T0, tx

    shops = [tx(f"m{i}", at=T0 + i * MIN, counterparty_id=f"shop{i}", counterparty_kind="merchant") for i in range(4)]
    people = [tx(f"p{i}", at=T0 + (10 + i) * MIN, counterparty_id=f"friend{i}") for i in range(2)]
    _, last = _run_account([*shops, *people, tx("again", at=T0 + 20 * MIN, counterparty_id="shop0",
                                                  counterparty_kind="merchant")])
    f = last.features
    assert f["account.distinct_merchants_24h"] == 4
    assert f["account.distinct_p2p_payees_24h"] == 2 and f["account.distinct_p2p_payees_7d"] == 2
    assert f["account.distinct_payees_24h"] == 6
    assert f["account.is_new_merchant"] is False
    _, fresh = _run_account([tx("x", counterparty_id="shop9", counterparty_kind="merchant")])
    assert fresh.features["account.is_new_merchant"] is True and fresh.features["account.distinct_p2p_payees_24h"] == 0


def test_account_state_written_before_the_merchant_and_amount_keys_still_decodes():
    from risk.features.account import AccountStage

    from .factories import DAY, T0, tx

    state, _ = _run_account([tx(1, at=T0)])
    old = {k: v for k, v in state.items() if k not in ("mer", "p2p", "amt", "reg")}  # as an older release stored it
    assert set(AccountStage().new_state()) - set(old) == {"mer", "p2p", "amt", "reg"}
    state, outcome = _run_account([tx(2, at=T0 + DAY, counterparty_kind="merchant", counterparty_id="shop",
                                      region="330102")], old)
    assert outcome.features["account.amount_pct_30d"] is None  # no remembered amounts yet: unknown, not 0
    assert outcome.features["account.is_new_merchant"] is True
    assert outcome.features["account.is_new_region"] is True and outcome.features["account.distinct_regions_24h"] == 1
    assert state["mer"] == {"shop": T0 + DAY} and state["amt"] == [[T0 + DAY, 100.0]]
    assert state["reg"] == {"330102": T0 + DAY}


def test_a_county_new_to_the_account_is_a_new_region_whatever_its_grid_cell():
    from .factories import DAY, MIN, T0, tx

    home = [tx(i, at=T0 + i * DAY, region="330102", cell=f"g{i}:0") for i in range(3)]  # cells move, county not
    _, near = _run_account([*home, tx("near", at=T0 + 3 * DAY, region="330102", cell="g9:9")])
    assert near.features["account.is_new_cell"] is True and near.features["account.is_new_region"] is False
    away = [tx(f"a{i}", at=T0 + 2 * DAY + (60 + 5 * i) * MIN, region="330203") for i in range(2)]
    _, first = _run_account([*home, away[0]])
    assert first.features["account.is_new_region"] is True and first.features["account.distinct_regions_24h"] == 2
    _, second = _run_account([*home, *away])
    assert second.features["account.is_new_region"] is False and second.features["account.distinct_regions_24h"] == 2
    _, abroad = _run_account([tx("x", region=None)])
    assert abroad.features["account.is_new_region"] is False and abroad.features["account.distinct_regions_24h"] == 0


def _reference_percentile(amounts, amount, now_ms):
    low = now_ms - 30 * DAY
    below = total = 0
    for seen, value in amounts:
        if low < seen <= now_ms:
            total += 1
            below += value < amount
    return below / total if total else None


def test_the_bisected_percentile_equals_a_scan_on_random_memories():
    """Late amounts slot in, ties in time and in amount, the query before, inside and after the memory."""
    rng = random.Random(5)
    for _ in range(400):
        amounts: list[list[float]] = []
        at = T0
        for _ in range(rng.randint(0, 90)):
            at += rng.choice((0, MIN, HOUR, DAY, 20 * DAY))
            _remember_amount(amounts, at - (rng.randint(0, 3) * DAY if rng.random() < 0.2 else 0),
                             rng.choice((10.0, 20.5, round(rng.uniform(1, 100), 2))))
        for _ in range(5):
            now, amount = at + rng.randint(-40, 5) * DAY, rng.choice((10.0, 20.5, rng.uniform(0, 120)))
            assert _percentile(amounts, amount, now) == _reference_percentile(amounts, amount, now)


def test_the_memory_with_sorted_amounts_answers_and_encodes_as_the_plain_list():
    """The account's own memory (kept sorted beside it once updated) against a plain list fed the same amounts:
    same percentiles, same bytes, also after a round trip through the bytes."""
    rng = random.Random(8)
    for _ in range(60):
        state: dict = {"amt": []}
        plain: list[list[float]] = []
        at = T0
        steps = rng.choice(((0, MIN, HOUR), (0, MIN, HOUR, DAY, 12 * DAY)))  # a busy account, or a sparse one
        for _ in range(rng.randint(0, 200)):
            at += rng.choice(steps)
            when = at - (rng.randint(0, 3) * DAY if rng.random() < 0.2 else 0)
            amount = rng.choice((10.0, 20.5, 64.0, round(rng.uniform(1, 100), 2)))
            _remember_amount(_memory(state), when, amount)
            _remember_amount(plain, when, amount)
            now = at + rng.choice((0, 0, HOUR, -DAY, rng.randint(-35, 3) * DAY))
            query = rng.choice((10.0, 20.5, 64.0, rng.uniform(0, 120)))
            assert _percentile(state["amt"], query, now) == _reference_percentile(plain, query, now)
            assert orjson.dumps(state) == orjson.dumps({"amt": plain})
            if rng.random() < 0.05:
                state = orjson.loads(orjson.dumps(state))
