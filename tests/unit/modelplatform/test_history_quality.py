"""The quality pipeline on small data: simulate → streaming handlers → history → train → deploy in a strategy.

Small enough for the unit tier (10 days x 400 customers); seed 2 at 3% fraud spreads fraud over the
whole period, so both the training and the evaluation window hold some.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from agents.local import LocalPipeline
from app.control.holder import StrategyHolder
from app.model_history import shipped_sources
from app.settings import Settings
from modelplatform.dataset import parse_label
from modelplatform.history import HistoryPaths, as_input, record_simulation
from modelplatform.metrics import average_precision
from modelplatform.quality import QualitySpec, policy_blend_from_text, train_on_history
from modelplatform.records import read_jsonl
from modelplatform.registry import Registry
from modelplatform.train import LgbmParams
from risk.model.scorer import Scorer
from risk.policy import combine_array, parse_policy
from sim.config import SimConfig
from sim.engine import simulate

SHIPPED = shipped_sources(Settings())

CONFIG = SimConfig(seed=2, customers=400, days=10, fraud_rate=0.03)
SPEC = QualitySpec(eval_days=3)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    root = tmp_path_factory.mktemp("history")
    return root, record_simulation(CONFIG, root, sources=SHIPPED)


@pytest.fixture(scope="module")
def trained(history, tmp_path_factory):
    root, _ = history
    return train_on_history(root, policy_text=SHIPPED.policy, version="t1", spec=SPEC,
                            params=LgbmParams(num_trees=40, num_leaves=15),
                            registry=Registry(tmp_path_factory.mktemp("registry")))


def test_history_has_one_decision_per_transaction_and_labels_with_confirmation_time(history):
    root, meta = history
    paths = HistoryPaths(root)
    decisions = list(read_jsonl(paths.decisions))
    labels = [parse_label(r) for r in read_jsonl(paths.labels)]
    assert meta.transactions == meta.decisions == len(decisions) > 1000
    assert len({d["transaction_id"] for d in decisions}) == len(decisions)
    assert all(d["features"] and d["model_version"] is None and "timings_ms" not in d for d in decisions)
    assert sum(label.is_fraud for label in labels) == meta.fraud_labels > 20
    event_ms = {d["transaction_id"]: d for d in decisions}
    assert all(label.transaction_id in event_ms for label in labels)
    assert paths.read_meta() == meta


def test_training_never_sees_labels_confirmed_after_the_split(history, trained):
    _, meta = history
    split_ms = meta.start_ms + int((meta.days - SPEC.eval_days) * 86_400_000)
    assert trained.model.manifest.label_cutoff_ms == split_ms


def test_model_beats_the_constant_predictor_and_the_combined_score_is_measured(trained):
    metrics = trained.evaluation.metrics
    ev = metrics["model"]
    assert ev.frauds >= 5
    prevalence = ev.frauds / ev.n
    assert metrics["model"].average_precision > 3 * prevalence
    assert set(metrics) == {"model", "baseline", "rules", "combined"}


def test_training_fits_the_combiner_and_measures_combined_with_that_policy(trained):
    policy = parse_policy(trained.policy_text)
    shipped = parse_policy(shipped_sources(Settings()).policy)
    assert policy.combiner is not None and "out-of-fold" in policy.combiner.fitted_on
    assert policy.version == f"{shipped.version}+fraud-lgbm:t1"
    assert policy.thresholds == shipped.thresholds  # only the combination changes
    scores = trained.evaluation.scores
    assert np.allclose(scores["combined"], combine_array(policy, scores["rules"], scores["model"]))
    assert (trained.path / "policy.yaml").read_text() == trained.policy_text  # ready for `publish --policy`


def test_without_the_combiner_combined_is_the_given_policys_own_blend(history):
    root, _ = history
    result = train_on_history(root, policy_text=SHIPPED.policy, version="t2", spec=SPEC,
                              params=LgbmParams(num_trees=10, num_leaves=7), fit_combiner=False)
    shipped = parse_policy(shipped_sources(Settings()).policy)
    assert parse_policy(result.policy_text) == shipped
    scores = result.evaluation.scores
    assert np.allclose(scores["combined"], combine_array(shipped, scores["rules"], scores["model"]))


def _decide(sources, n=600):
    records = list(itertools.islice(simulate(CONFIG), n))
    return LocalPipeline(StrategyHolder(sources).current).run(as_input(r) for r in records).decisions


def test_champion_scores_every_decision_and_the_challenger_never_changes_the_action(trained):
    champion, challenger = trained.model.to_json(), trained.baseline.to_json()
    alone = _decide(shipped_sources(Settings(), champion=champion))
    both = _decide(shipped_sources(Settings(), champion=champion, challenger=challenger))
    scorer, shadow = Scorer.from_artifact(trained.model), Scorer.from_artifact(trained.baseline)
    blend = policy_blend_from_text(shipped_sources(Settings()).policy)
    assert len(alone) == len(both) > 100
    for a, b in zip(alone, both, strict=True):
        assert b["model_version"] == trained.model.key and b["challenger_version"] == trained.baseline.key
        assert b["model_score"] == pytest.approx(scorer.score_one(b["features"]), abs=1e-5)
        assert b["challenger_score"] == pytest.approx(shadow.score_one(b["features"]), abs=1e-5)
        assert a["challenger_score"] is None
        assert (a["action"], a["score"], a["reason_codes"]) == (b["action"], b["score"], b["reason_codes"])
        # the offline "combined" score is what the live policy acted on (decisions round scores to 1e-5)
        offline = float(blend(np.array(b["rule_score"]), np.array(b["model_score"])))
        assert b["score"] == pytest.approx(offline, abs=2e-5)


def test_ap_of_recorded_scores_matches_offline_evaluation(history, trained):
    """The same model scores the same rows identically offline and in the recorded feature snapshots."""
    root, _ = history
    rows = [json.loads(line) for line in HistoryPaths(root).decisions.read_text().splitlines()[:200]]
    scorer = Scorer.from_artifact(trained.model)
    online = np.array([scorer.score_one(r["features"]) for r in rows])
    offline = scorer.score_batch([r["features"] for r in rows])
    assert np.allclose(online, offline)
    assert np.isnan(average_precision(np.zeros(3, dtype=np.int8), np.zeros(3)))
