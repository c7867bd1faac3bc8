"""The shipped starter ruleset: loads, compiles, and catches the patterns it claims to catch."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from risk.rules import CompiledRuleset, Mode, compile_ruleset, load_ruleset, validate_spec

from .helpers import columns_of, random_rows

STARTER = Path(__file__).resolve().parents[4] / "rules" / "starter.yaml"
T = 1_790_000_000_000


@pytest.fixture(scope="module")
def spec():
    return load_ruleset(STARTER)


@pytest.fixture(scope="module")
def ruleset(spec) -> CompiledRuleset:
    return compile_ruleset(spec)


def test_starter_has_no_errors_or_warnings(spec) -> None:
    assert validate_spec(spec) == []


def test_starter_has_at_least_sixty_rules(spec) -> None:
    assert len(spec.rules) >= 60


def test_starter_has_shadow_rules(spec) -> None:
    assert sum(r.mode is Mode.SHADOW for r in spec.rules) >= 3


def test_starter_has_a_province_param_override_and_a_county_disable(spec) -> None:
    province = [s for s in spec.scopes if s.path.count("/") == 0 and s.params]
    county = [s for s in spec.scopes if s.path.count("/") == 2 and s.disable]
    assert (len(province) >= 1, len(county) >= 1) == (True, True)


def test_reason_codes_are_upper_snake(spec) -> None:
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", r.reason_code) for r in spec.rules)


def test_starter_lists_are_loaded(spec) -> None:
    assert {"blocked_devices", "blocked_payees", "blocked_ips", "allowed_accounts"} <= set(spec.lists)


def _ids(ruleset: CompiledRuleset, row: dict[str, Any], path: str = "11/1101/110105/0002") -> set[str]:
    return {h.rule_id for h in ruleset.evaluate_one(row, path, T)}


QUIET: dict[str, Any] = {"tx.amount": 200.0, "tx.channel": "mobile", "tx.tx_type": "transfer", "tx.currency": "CNY",
                         "tx.hour": 14, "tx.has_device": True, "tx.has_geo": True, "tx.account_id": "A1",
                         "tx.customer_age": 40, "account.tx_count_1h": 1, "account.tx_count_24h": 2}


def test_quiet_daytime_payment_hits_nothing(ruleset) -> None:
    assert _ids(ruleset, QUIET) == set()


def test_elderly_customer_transfer_far_above_habit_to_new_payee_is_caught(ruleset) -> None:
    row = {**QUIET, "tx.customer_age": 72, "account.is_new_payee": True, "tx.amount": 3000.0,
           "account.amount_ratio_mean_30d": 8.0}
    assert "SCM001_ELDERLY_NEW_PAYEE_LARGE" in _ids(ruleset, row)
    assert "SCM001_ELDERLY_NEW_PAYEE_LARGE" not in _ids(ruleset, {**row, "account.amount_ratio_mean_30d": 1.5})


def test_amount_rules_read_the_accounts_habit_not_a_cny_floor(ruleset) -> None:
    """A 300 CNY card payment twenty times the account's usual 15 is caught; no absolute floor stops it."""
    row = {**QUIET, "tx.amount": 300.0, "account.tx_count_30d": 30, "account.amount_zscore_30d": 9.0,
           "account.amount_ratio_mean_30d": 20.0, "account.amount_ratio_max_30d": 4.0, "account.amount_pct_30d": 1.0}
    hits = _ids(ruleset, row)
    assert {"AMT002_ZSCORE", "AMT003_RATIO_MEAN", "AMT004_ABOVE_MAX_30D"} <= hits
    assert not {"AMT002_ZSCORE", "AMT003_RATIO_MEAN"} & _ids(ruleset, {**row, "account.tx_count_30d": 2})


def test_payee_fraud_history_applies_to_payments_and_transfers_to_people_alike(ruleset) -> None:
    row = {**QUIET, "counterparty.fraud_count_30d": 1, "tx.counterparty_kind": "account"}
    assert "LST005_PAYEE_FRAUD_HISTORY" in _ids(ruleset, {**row, "tx.tx_type": "payment"})
    assert "LST005_PAYEE_FRAUD_HISTORY" not in _ids(ruleset, {**row, "tx.counterparty_kind": "merchant"})


def test_merchants_do_not_count_as_many_payees(ruleset) -> None:
    row = {**QUIET, "tx.tx_type": "payment", "tx.counterparty_kind": "merchant", "account.distinct_payees_24h": 12,
           "account.distinct_merchants_24h": 12, "account.distinct_p2p_payees_24h": 0}
    assert "VEL007_MANY_PAYEES_24H" not in _ids(ruleset, row)
    people = {**QUIET, "tx.counterparty_kind": "account", "account.distinct_p2p_payees_24h": 8}
    assert "VEL007_MANY_PAYEES_24H" in _ids(ruleset, people)


def test_transfer_after_password_reset_is_caught(ruleset) -> None:
    row = {**QUIET, "account.minutes_since_password_reset": 12.0, "tx.amount": 15000.0}
    assert "ATO001_PWD_RESET_TRANSFER" in _ids(ruleset, row)


def test_blocked_device_is_caught(ruleset) -> None:
    assert "LST001_BLOCKED_DEVICE" in _ids(ruleset, {**QUIET, "tx.device_id": "dev-7f3a9c01e2"})


def test_allowed_account_skips_velocity_rules(ruleset) -> None:
    row = {**QUIET, "account.tx_count_1h": 30, "tx.account_id": "62300100000099999"}
    assert "VEL002_HIGH_1H" not in _ids(ruleset, row)


def test_guangdong_uses_its_lower_large_amount(ruleset) -> None:
    row = {**QUIET, "tx.amount": 40000.0, "account.amount_mean_30d": None}
    assert ("AMT005_NO_HISTORY_LARGE" in _ids(ruleset, row, "44/4403/440305"),
            "AMT005_NO_HISTORY_LARGE" in _ids(ruleset, row, "11/1101")) == (True, False)


def test_tianhe_disables_the_night_rule(ruleset) -> None:
    row = {**QUIET, "tx.hour": 2, "tx.amount": 60000.0, "account.amount_ratio_max_30d": 5.0}
    assert ("NGT001_NIGHT_LARGE" in _ids(ruleset, row, "44/4401/440103"),
            "NGT001_NIGHT_LARGE" in _ids(ruleset, row, "44/4401/440106/0012")) == (True, False)


def test_starter_single_and_batch_agree_across_branches(ruleset) -> None:
    rows = random_rows(600, seed=9, missing=0.1)
    paths = ["44/4401/440106/0012", "44/4403/440305", "45/4501", "11/1101"] * 150
    batch = ruleset.evaluate_batch(columns_of(rows), paths, np.full(600, T))
    assert [batch.hits(i) for i in range(600)] == [ruleset.evaluate_one(r, p, T) for r, p in zip(rows, paths,
                                                                                                  strict=True)]


def test_starter_parity_rows_produce_hits(ruleset) -> None:
    rows = random_rows(600, seed=9, missing=0.1)
    batch = ruleset.evaluate_batch(columns_of(rows), ["11/1101"] * 600, np.full(600, T))
    assert (batch.matrix.any(axis=0)).sum() >= 40


# A card payment from a bank's card export: a terminal or an online shop, no device, no coordinates.
CARD: dict[str, Any] = {"tx.amount": 40.0, "tx.channel": "pos", "tx.tx_type": "payment", "tx.currency": "CNY",
                        "tx.hour": 14, "tx.has_device": False, "tx.has_geo": False, "tx.account_id": "622100001",
                        "tx.customer_age": 40, "tx.counterparty_kind": "merchant", "account.tx_count_1h": 1,
                        "account.tx_count_24h": 1, "account.tx_count_30d": 40, "account.amount_ratio_mean_30d": 1.0,
                        "account.is_new_merchant": False, "account.is_new_region": False,
                        "account.distinct_regions_24h": 1, "account.distinct_merchants_24h": 1,
                        "counterparty.new_senders_1h": 0, "counterparty.distinct_senders_7d": 30}


def test_an_everyday_card_payment_hits_nothing(ruleset) -> None:
    assert _ids(ruleset, CARD) == set()


def test_card_testing_just_above_the_small_amount_line_is_caught(ruleset) -> None:
    probe = {**CARD, "tx.channel": "online", "tx.amount": 18.0, "account.is_new_merchant": True,
             "account.tx_count_1h": 3, "account.tx_count_24h": 3, "account.distinct_merchants_24h": 3}
    assert "CRD004_ONLINE_PROBE_1H" in _ids(ruleset, probe)
    assert "CRD004_ONLINE_PROBE_1H" not in _ids(ruleset, {**probe, "tx.has_device": True})  # an app, not a card
    spent = {**probe, "account.tx_count_1h": 1, "account.tx_count_24h": 5, "account.amount_ratio_mean_30d": 9.0}
    assert "CRD005_PROBED_THEN_LARGE" in _ids(ruleset, spent)


def test_a_terminal_charging_strangers_cards_is_caught_before_any_chargeback(ruleset) -> None:
    row = {**CARD, "account.is_new_merchant": True, "counterparty.new_senders_1h": 4}
    assert "PAY013_TERMINAL_STRANGERS_1H" in _ids(ruleset, row)
    assert "PAY013_TERMINAL_STRANGERS_1H" not in _ids(ruleset, {**row, "counterparty.new_senders_1h": 1})
    assert "PAY013_TERMINAL_STRANGERS_1H" not in _ids(ruleset, {**row, "tx.channel": "online"})
    busy_shop = {**row, "counterparty.distinct_senders_7d": 400}  # strangers every hour: nothing unusual
    assert "PAY013_TERMINAL_STRANGERS_1H" not in _ids(ruleset, busy_shop)


def test_a_lost_card_spent_in_another_county_is_caught_on_its_second_payment_there(ruleset) -> None:
    first = {**CARD, "account.is_new_merchant": True, "account.is_new_region": True,
             "account.distinct_regions_24h": 2, "account.amount_ratio_mean_30d": 6.0}
    assert "LOC008_NEW_REGION_ABOVE_HABIT" in _ids(ruleset, first)  # score only: a trip looks like this too
    assert "LOC009_NEW_REGION_SPREE" not in _ids(ruleset, first)
    assert "LOC009_NEW_REGION_SPREE" in _ids(ruleset, {**first, "account.is_new_region": False})


def test_merchants_are_left_to_the_merchant_rate_rule(ruleset) -> None:
    row = {**CARD, "counterparty.fraud_rate_7d": 0.5, "counterparty.fraud_count_7d": 3, "counterparty.tx_count_24h": 4}
    assert "LST006_PAYEE_FRAUD_RATE" not in _ids(ruleset, row)
    assert "LST006_PAYEE_FRAUD_RATE" in _ids(ruleset, {**row, "tx.counterparty_kind": "account"})
