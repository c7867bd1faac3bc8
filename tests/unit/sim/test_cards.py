"""The card world: terminals, integer ids, small amounts, three fraud patterns, and its export files."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import pytest

from sim import DEFAULT_START_MS, SimConfig, simulate
from sim.cards.export import write_card_export
from sim.cards.names import CARD_SCENARIO_WEIGHTS
from sim.cards.world import MAX_CARD_CNY
from sim.clock import local_hour, local_midnight
from sim.exceptions import SimConfigError

CONFIG = SimConfig(world="cards", seed=3, customers=600, days=6.0, fraud_rate=0.03)


@pytest.fixture(scope="module")
def records():
    return list(simulate(CONFIG))


def test_same_seed_same_card_world() -> None:
    small = SimConfig(world="cards", seed=8, customers=100, days=2.0)
    assert list(simulate(small)) == list(simulate(small))


def test_card_payments_at_terminals_with_integer_ids_and_small_amounts(records) -> None:
    txs = [r.value for r in records if r.kind == "transaction"]
    assert txs and all(v["transaction_id"].isdigit() and v["account_id"].isdigit() for v in txs)
    assert all(v["counterparty"]["kind"] == "merchant" and v["counterparty"]["id"].isdigit() for v in txs)
    assert {v["channel"] for v in txs} == {"pos", "online"} and {v["tx_type"] for v in txs} == {"payment"}
    amounts = sorted(float(v["amount"]) for v in txs)
    assert amounts[len(amounts) // 2] < 100 and amounts[-1] <= MAX_CARD_CNY


def test_every_pattern_occurs_and_records_come_in_delivery_order(records) -> None:
    scenarios = {r.value["scenario"] for r in records if r.kind == "label" and r.value["is_fraud"]}
    assert set(CARD_SCENARIO_WEIGHTS) <= scenarios
    times = [r.deliver_at_ms for r in records]
    assert times == sorted(times)


def test_card_payments_keep_local_daytime_hours_whatever_the_start() -> None:
    """Days are laid on the bank's clock: a start at UTC midnight (08:00 China time) must not move the
    afternoon peak to 22:30, nor put payments before the start or after the end."""
    utc_midnight = int(datetime(2025, 3, 1, tzinfo=UTC).timestamp() * 1000)
    config = SimConfig(world="cards", seed=9, customers=300, days=3.0, fraud_rate=0.0, start_ms=utc_midnight)
    times = [r.event_time_ms for r in simulate(config) if r.kind == "transaction"]
    hours = Counter(local_hour(t) for t in times)
    assert 11 <= hours.most_common(1)[0][0] <= 17
    assert sum(hours[h] for h in range(6)) < 0.01 * len(times)
    assert config.start_ms <= min(times) and max(times) < config.end_ms


def test_local_midnight_is_the_china_day_start() -> None:
    assert local_midnight(DEFAULT_START_MS) == DEFAULT_START_MS  # 2025-01-01T00:00+08:00
    assert local_midnight(DEFAULT_START_MS + 23 * 3_600_000) == DEFAULT_START_MS
    assert local_midnight(DEFAULT_START_MS - 1) == DEFAULT_START_MS - 86_400_000


def test_a_compromised_terminal_charges_many_cards(records) -> None:
    fraud = {r.key for r in records if r.kind == "label" and r.value["scenario"] == "compromised_terminal"}
    cards_by_terminal: dict[str, set[str]] = {}
    for r in records:
        if r.kind == "transaction" and r.value["transaction_id"] in fraud:
            cards_by_terminal.setdefault(r.value["counterparty"]["id"], set()).add(r.value["account_id"])
    assert max(len(cards) for cards in cards_by_terminal.values()) >= 5


def test_unknown_world_and_foreign_scenarios_are_refused() -> None:
    with pytest.raises(SimConfigError, match="world must be one of"):
        SimConfig(world="atm")
    with pytest.raises(SimConfigError, match="for the cards world"):
        SimConfig(world="cards", scenario_weights={"telecom_scam": 1.0})


def test_the_export_is_the_same_traffic_with_integer_ids_and_naive_local_times(tmp_path, records) -> None:
    files = write_card_export(CONFIG, tmp_path)
    with files.transactions.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    txs = [r.value for r in records if r.kind == "transaction"]
    assert len(rows) == files.rows == len(txs)
    first = next(v for v in txs if v["transaction_id"] == rows[0]["txn_no"])
    local = datetime.fromisoformat(rows[0]["txn_time"])
    assert local.tzinfo is None
    assert local.replace(tzinfo=timezone(timedelta(hours=8))) == datetime.fromisoformat(first["event_time"])
    assert rows[0]["card_no"] == first["account_id"] and rows[0]["chnl"] in ("POS", "ONLINE")
    with files.labels.open(encoding="utf-8") as handle:
        labels = list(csv.DictReader(handle))
    assert sum(row["fraud_flag"] == "1" for row in labels) == files.fraud_labels > 0
    assert "timezone: Asia/Shanghai" in files.mapping.read_text(encoding="utf-8")
