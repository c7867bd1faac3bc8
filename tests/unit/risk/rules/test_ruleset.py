from __future__ import annotations

import numpy as np
import pytest

from risk.rules import Hit, compile_ruleset
from risk.rules.exceptions import BatchShapeError

from .helpers import PATH, columns_of, hit_both, random_rows, ruleset_of, spec_of

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def test_hit_carries_rule_metadata() -> None:
    rs = ruleset_of("device.is_new", priority=7)
    assert rs.evaluate_one({"device.is_new": True}, PATH, T0) == [
        Hit("R0", "CODE_0", "REVIEW", 0.5, 7, False)]


def test_shadow_rule_hit_is_flagged_shadow() -> None:
    rs = ruleset_of("device.is_new", mode="shadow")
    assert [h.shadow for h in rs.evaluate_one({"device.is_new": True}, PATH, T0)] == [True]


def test_shadow_flag_is_the_same_in_batch() -> None:
    rs = ruleset_of("device.is_new", mode="shadow")
    batch = rs.evaluate_batch(columns_of([{"device.is_new": True}]), [PATH], np.array([T0]))
    assert [h.shadow for h in batch.hits(0)] == [True]


def test_disabled_rule_never_hits() -> None:
    assert hit_both(ruleset_of("device.is_new", enabled=False), {"device.is_new": True}) == (False, False)


@pytest.mark.parametrize(("t_ms", "expected"), [(T0 - 1, False), (T0, True), (T0 + 999, True), (T0 + 1000, False)])
def test_validity_window_is_half_open(t_ms: int, expected: bool) -> None:
    rs = ruleset_of("device.is_new", valid_from=T0, valid_until=T0 + 1000)
    assert hit_both(rs, {"device.is_new": True}, t_ms=t_ms) == (expected, expected)


def test_validity_accepts_timezone_aware_timestamps() -> None:
    rs = ruleset_of("device.is_new", valid_from="2026-01-01T08:00:00+08:00")
    assert rs.spec.rules[0].valid_from == T0


def test_version_includes_declared_version_and_content_hash() -> None:
    a = ruleset_of("tx.amount > 1").version
    b = ruleset_of("tx.amount > 2").version
    assert (a.startswith("t1+"), a != b) == (True, True)


def test_version_does_not_depend_on_list_item_order() -> None:
    a = ruleset_of("in_list('l', tx.ip)", lists={"l": ["a", "b", "c"]}).version
    b = ruleset_of("in_list('l', tx.ip)", lists={"l": ["c", "a", "b"]}).version
    assert a == b


def test_batch_rejects_columns_of_the_wrong_length() -> None:
    with pytest.raises(BatchShapeError):
        ruleset_of("tx.amount > 1").evaluate_batch({"tx.amount": np.ones(3)}, ["44", "44"], np.zeros(2))


def test_batch_matrix_has_one_column_per_rule() -> None:
    rs = ruleset_of("tx.amount > 1", "tx.amount > 10", "tx.amount > 100")
    batch = rs.evaluate_batch({"tx.amount": np.array([5.0, 50.0])}, ["44", "44"], np.zeros(2))
    assert batch.matrix.tolist() == [[True, False, False], [True, True, False]]


def test_lists_can_be_replaced_without_touching_rules() -> None:
    spec = spec_of("in_list('l', tx.ip)", lists={"l": ["1.1.1.1"]})
    from risk.rules import NamedList

    updated = compile_ruleset(spec.with_lists({"l": NamedList(name="l", items=frozenset({"2.2.2.2"}))}))
    assert bool(updated.evaluate_one({"tx.ip": "2.2.2.2"}, PATH, T0)) is True


# --- parity: single-event and batch paths agree exactly on random rows --------------------------------

PARITY_RULES = [
    "tx.amount >= 1000 and account.tx_count_1h >= 3 and device.is_new",
    "tx.channel in ('mobile', 'quickpay') and account.minutes_since_password_reset < 30",
    "not (account.amount_zscore_30d > 2) or is_null(account.amount_mean_30d)",
    "tx.amount / account.amount_mean_30d >= 3 and tx.amount % 1000 == 0",
    "coalesce(account.amount_max_30d, 0) * 2 < tx.amount and not account.is_new_payee",
    "log(tx.amount) - log(account.amount_mean_30d) between 1 and 3",
    "tx.hour not between 6 and 22 and tx.amount ** 2 > 1e6",
    "in_list('blocked', tx.device_id) or starts_with(tx.ip, '10.')",
    "tx.counterparty_id == tx.account_id or tx.counterparty_bank not in ('B1', 'B2')",
    "min(account.tx_count_5m, account.tx_count_1h) != 2 and sqrt(tx.amount) > max(10, abs(tx.hour - 12))",
    "not (device.is_new == account.is_new_device) and coalesce(account.is_new_cell, true)",
    "floor(tx.amount / 100) == ceil(tx.amount / 100) or -tx.amount < -90000",
]


def test_single_and_batch_agree_on_random_rows() -> None:
    rs = ruleset_of(*PARITY_RULES, lists={"blocked": ["d1", "x"]})
    rows = random_rows(400, seed=42)
    paths = ["44/4401", "45/4501"] * 200
    times = np.full(400, T0, dtype=np.int64)
    batch = rs.evaluate_batch(columns_of(rows), paths, times)
    singles = [rs.evaluate_one(r, p, T0) for r, p in zip(rows, paths, strict=True)]
    assert [batch.hits(i) for i in range(400)] == singles


def test_parity_rows_exercise_hits_and_misses() -> None:
    rs = ruleset_of(*PARITY_RULES, lists={"blocked": ["d1", "x"]})
    rows = random_rows(400, seed=42)
    batch = rs.evaluate_batch(columns_of(rows), ["44"] * 400, np.full(400, T0))
    rate = batch.matrix.mean(axis=0)
    assert ((rate > 0) & (rate < 1)).all()
