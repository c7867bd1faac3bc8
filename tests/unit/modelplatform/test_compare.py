import numpy as np

from modelplatform.compare import compare
from modelplatform.dataset import DecisionRecord, LabelRecord, build_set


def _set(model_scores, challenger_scores, frauds):
    decisions = [DecisionRecord(f"t{i}", f"a{i}", i, {}, 0.1, 0.1, m, c)
                 for i, (m, c) in enumerate(zip(model_scores, challenger_scores, strict=True))]
    labels = [LabelRecord(f"t{i}", True, 0) for i in frauds]
    return build_set(decisions, labels, start_ms=0, end_ms=100, cutoff_ms=10)


def test_only_rows_with_both_scores_are_compared():
    ds = _set([0.9, 0.1, 0.5], [0.8, np.nan, 0.4], frauds=[0])
    assert compare(ds, k=1, budget=0.5).rows == 2


def test_better_challenger_shows_higher_auc():
    ds = _set([0.1, 0.9, 0.5, 0.2], [0.9, 0.1, 0.4, 0.2], frauds=[0])
    report = compare(ds, k=1, budget=0.25)
    assert report.challenger.auc > report.champion.auc


def test_alert_overlap_is_the_jaccard_of_top_budget_alerts():
    ds = _set([0.9, 0.8, 0.1, 0.0], [0.9, 0.1, 0.8, 0.0], frauds=[0])
    # top 2: {0, 1} vs {0, 2} → 1 shared of 3
    assert compare(ds, k=1, budget=0.5).alert_overlap == 1 / 3


def test_report_markdown_names_both_sides():
    ds = _set([0.1, 0.9], [0.9, 0.1], frauds=[0])
    text = compare(ds, k=1, budget=0.5).to_markdown()
    assert "champion" in text and "challenger" in text and "auc" in text
