"""The score stage's batch path decides exactly as the single-event path, row for row."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from agents.local import LocalPipeline
from app.control.holder import StrategyHolder
from app.model_history import shipped_sources
from app.settings import Settings
from modelplatform.dataset import build_set, parse_decision
from modelplatform.features import model_features
from modelplatform.history import as_input
from modelplatform.train import LgbmParams, train_lgbm, train_logistic
from risk.facts import facts_from
from risk.strategy import build_strategy
from schemas import Transaction
from sim.config import SimConfig
from sim.engine import simulate

CONFIG = SimConfig(seed=5, customers=1000, days=3, fraud_rate=0.05)


@pytest.fixture(scope="module")
def traffic():
    """(features, facts) of real pipeline decisions, and a champion + challenger trained on them."""
    records = list(itertools.islice(simulate(CONFIG), 8000))
    decisions = LocalPipeline(StrategyHolder(shipped_sources(Settings())).current).run(
        as_input(r) for r in records).decisions
    facts = {r.value["transaction_id"]: facts_from(Transaction.model_validate(r.value))
             for r in records if r.kind == "transaction"}
    ds = build_set([parse_decision(d) for d in decisions], [], start_ms=0, end_ms=2**62, cutoff_ms=2**62)
    y_rows = ds.subset(ds.rule_score > 0.2)  # stand-in labels: enough of both classes to fit on
    labelled = replace(y_rows, y=(y_rows.rule_score > 0.5).astype("int8"))
    champion = train_lgbm(labelled, name="c", version="1", feature_names=model_features(),
                          params=LgbmParams(num_trees=20, num_leaves=7, min_data_in_leaf=5), created_at_ms=0)
    challenger = train_logistic(labelled, name="l", version="1",
                                feature_names=model_features(include_categoricals=False), created_at_ms=0)
    rows = [d["features"] for d in decisions]
    return rows, [facts[d["transaction_id"]] for d in decisions], champion.to_json(), challenger.to_json()


@pytest.mark.parametrize("with_models", [False, True], ids=["rules-only", "champion+challenger"])
def test_assess_batch_equals_assess_row_by_row(traffic, with_models):
    rows, facts, champion, challenger = traffic
    models = {"champion": champion, "challenger": challenger} if with_models else {}
    sources = shipped_sources(Settings(), **models)
    strategy = build_strategy(sources)
    batch = strategy.assess_batch(rows, facts)
    single = [strategy.assess(r, f) for r, f in zip(rows, facts, strict=True)]
    assert len(batch) == len(single) > 500
    assert len({f.branch_path for f in facts}) > 5  # rows from many branches, so several rule variants
    assert sum(a.action != "ALLOW" for a in single) > 10
    for b, s in zip(batch, single, strict=True):
        assert (b.action, b.reason_codes, b.hits) == (s.action, s.reason_codes, s.hits)
        assert b.rule_score == s.rule_score
        assert b.score == pytest.approx(s.score, abs=1e-9)
        if with_models:
            assert b.model_score == pytest.approx(s.model_score, abs=1e-9)
            assert b.challenger_score == pytest.approx(s.challenger_score, abs=1e-9)
        else:
            assert b.model_score is None and b.challenger_score is None


def test_assess_batch_of_nothing_and_mismatched_lengths(traffic):
    rows, facts, _, _ = traffic
    strategy = build_strategy(shipped_sources(Settings()))
    assert strategy.assess_batch([], []) == []
    with pytest.raises(ValueError, match="feature rows"):
        strategy.assess_batch(rows[:2], facts[:1])


SCOPED_RULES = """
version: scoped
params: {big: 1000000000}
rules:
  - {id: AMT001, expression: "tx.amount > $big", action: REVIEW, weight: 0.5, reason_code: BIG_AMOUNT}
scopes:
  - {path: "44/4401", params: {big: 0}}
"""


def test_each_row_of_a_batch_is_judged_by_the_rules_of_its_own_branch(traffic):
    rows, facts, _, _ = traffic
    base = shipped_sources(Settings())
    strategy = build_strategy(type(base)(**{**base.__dict__, "ruleset": SCOPED_RULES}))
    batch = strategy.assess_batch(rows, facts)
    in_city = [f.branch_path.startswith("44/4401/") for f in facts]
    assert 0 < sum(in_city) < len(facts)
    assert ["BIG_AMOUNT" in a.reason_codes for a in batch] == in_city
