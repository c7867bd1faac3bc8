"""Per-rule and per-scenario numbers on hand-made decisions, where every value can be worked out by hand."""

from __future__ import annotations

import math

import pytest

from app.backtest.evaluate import overall, rule_stats, scenario_stats
from app.backtest.rows import Row, columns_of, to_columns
from app.backtest.truth import truth_from_labels

DAY = 86_400_000
T0 = 1_735_660_800_000  # 2025-01-01 00:00 China time


def row(tx: str, action: str = "ALLOW", rules: tuple[str, ...] = (), *, fraud: bool = False, day: int = 0,
        score: float = 0.0, shadow: tuple[str, ...] = (), scenario: str | None = None, acc: str = "A1") -> Row:
    return Row(tx, acc, T0 + day * DAY, action, score, rules, shadow, fraud, scenario)


ROWS = [
    row("t1", "BLOCK", ("R1", "R2"), fraud=True, scenario="mule"),
    row("t2", "REVIEW", ("R1",), fraud=False),
    row("t3", "ALLOW", (), fraud=True, scenario="mule", day=1),
    row("t4", "REVIEW", ("R2",), fraud=False, day=1, shadow=("S1",)),
]


def test_rule_precision_recall_hit_rate_and_per_day():
    stats = {s.rule_id: s for s in rule_stats(columns_of(ROWS), ["R1", "R2", "R3"], days=2)}
    r1 = stats["R1"]
    got = (r1.hits, r1.fraud_hits, r1.precision, r1.recall, r1.hit_rate, r1.alerts_per_day)
    assert got == (2, 1, 0.5, 0.5, 0.5, 1.0)
    assert stats["R2"].precision == 0.5 and stats["R2"].recall == 0.5


def test_a_rule_that_never_fires_is_listed_with_undefined_precision():
    r3 = next(s for s in rule_stats(columns_of(ROWS), ["R1", "R2", "R3"], days=2) if s.rule_id == "R3")
    assert r3.hits == 0 and math.isnan(r3.precision) and r3.recall == 0.0


def test_shadow_hits_count_as_hits_and_are_marked():
    s1 = next(s for s in rule_stats(columns_of(ROWS), ["R1"], days=2) if s.rule_id == "S1")
    assert (s1.hits, s1.shadow_hits, s1.precision) == (1, 1, 0.0)


def test_scenario_rates_and_genuine_false_positive_rate():
    by_name = {s.scenario: s for s in scenario_stats(columns_of(ROWS))}
    assert (by_name["mule"].transactions, by_name["mule"].alerted, by_name["mule"].rate) == (2, 1, 0.5)
    assert by_name["genuine"].rate == 1.0


def test_overall_alert_precision_recall_and_days():
    total = overall(columns_of(ROWS), k=1, budget=0.25, utc_offset_minutes=480)
    assert (total.transactions, total.frauds, total.days, total.alerts) == (4, 2, 2, 3)
    assert total.alert_precision == pytest.approx(1 / 3) and total.alert_recall == 0.5
    assert total.actions == {"ALLOW": 1, "BLOCK": 1, "REVIEW": 2}


def test_ranking_metrics_follow_the_score():
    rows = [row("a", score=0.9, fraud=True, acc="A"), row("b", score=0.1, acc="B"), row("c", score=0.5, acc="C")]
    total = overall(columns_of(rows), k=1, budget=1 / 3, utc_offset_minutes=480)
    assert total.auc == 1.0 and total.recall_at_budget == 1.0 and total.precision_at_k == 1.0


def test_fraud_if_any_fraud_label_exists_even_after_a_genuine_one():
    truth = truth_from_labels([{"transaction_id": "t1", "is_fraud": True, "scenario": "mule"},
                               {"transaction_id": "t1", "is_fraud": False},
                               {"transaction_id": "t2", "is_fraud": False}])
    decisions = [{"transaction_id": t, "account_id": "A1", "event_time": "2025-01-01T08:00:00+08:00",
                  "action": "ALLOW", "score": 0.1, "rule_hits": []} for t in ("t1", "t2")]
    cols = to_columns(decisions, truth)
    assert cols.y.tolist() == [1, 0] and [cols.scenarios[i] if i >= 0 else None for i in cols.scenario] == [
        "mule", None]
