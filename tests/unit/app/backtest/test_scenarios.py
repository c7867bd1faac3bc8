"""Scenario detectability: the starter ruleset, run through the streaming handlers, must alert on each
major fraud pattern of the simulator clearly more often than on genuine traffic.

Measured (seed 14, see the backtest report in the README): recall of non-ALLOW decisions 0.69-1.0 per
scenario (mule 0.54, card testing 0.69), genuine alert rate 0.057.

Impossible travel is the exception the alert budget makes: its rule (LOC001, about 7% precision on the
calibration worlds, where genuine trips look like it) fits no action within the budget, so calibration put it
in shadow mode. It is still measured on every transaction; a model's score is what acts on it.
"""

from __future__ import annotations

import asyncio

import pytest

from app.backtest import from_simulation, run_backtest, strategy_source
from app.backtest.strategies import from_file
from app.settings import Settings
from sim.config import SimConfig

MAJOR = ("account_takeover", "sim_swap", "telecom_scam", "mule", "device_farm", "card_testing",
         "dormant_reactivation")
SHADOWED = {"impossible_travel": "LOC001_IMPOSSIBLE_TRAVEL"}  # measured in shadow mode, over the alert budget
# Scenarios that make few transactions per run get more runs, so each has enough to measure.
WEIGHTS = {"account_takeover": 3, "sim_swap": 3, "telecom_scam": 2, "mule": 1, "device_farm": 1,
           "card_testing": 0.5, "impossible_travel": 3, "dormant_reactivation": 3}
MIN_TRANSACTIONS = 8
MIN_RECALL = 0.3
MIN_LIFT = 3.0  # recall over the genuine alert rate
MAX_GENUINE_RATE = 0.10


@pytest.fixture(scope="module")
def evaluation():
    settings = Settings()
    history = from_simulation(SimConfig(seed=14, customers=600, days=10, fraud_rate=0.1, scenario_weights=WEIGHTS))
    ruleset = from_file(settings.ruleset_path)
    return asyncio.run(run_backtest(history, (ruleset, strategy_source(ruleset, settings)), None)).candidate


@pytest.fixture(scope="module")
def scenarios(evaluation):
    return {s.scenario: s for s in evaluation.scenarios}


def test_genuine_traffic_is_mostly_allowed(scenarios):
    assert scenarios["genuine"].transactions > 2_000
    assert scenarios["genuine"].rate <= MAX_GENUINE_RATE


@pytest.mark.parametrize("name", MAJOR)
def test_each_major_scenario_is_detected_well_above_the_false_positive_rate(scenarios, name):
    stats, genuine = scenarios[name], scenarios["genuine"]
    assert stats.transactions >= MIN_TRANSACTIONS, f"{name}: too few transactions to measure"
    assert stats.rate >= MIN_RECALL, f"{name}: recall {stats.rate:.2f}"
    assert stats.rate >= MIN_LIFT * genuine.rate, f"{name}: recall {stats.rate:.2f} vs genuine {genuine.rate:.3f}"


@pytest.mark.parametrize(("name", "rule_id"), sorted(SHADOWED.items()))
def test_a_scenario_left_to_the_score_is_still_seen_by_its_shadow_rule(evaluation, scenarios, name, rule_id):
    stats = next(r for r in evaluation.rules if r.rule_id == rule_id)
    assert stats.shadow_hits == stats.hits and stats.fraud_hits >= MIN_RECALL * scenarios[name].transactions
