import numpy as np
import pytest

from modelplatform.dataset import (
    DecisionRecord,
    LabelRecord,
    SplitSpec,
    Unlabelled,
    build_set,
    parse_decision,
    time_split,
)
from modelplatform.exceptions import DatasetError

HOUR = 3_600_000


def decision(tx: str, t_ms: int, account: str = "a1") -> DecisionRecord:
    return DecisionRecord(tx, account, t_ms, {"tx.amount": 1.0}, rule_score=0.1, score=0.1,
                          model_score=float("nan"), challenger_score=float("nan"))


def labels_of(ds) -> dict[str, int]:
    return dict(zip(ds.transaction_ids.tolist(), ds.y.tolist(), strict=True))


def test_fraud_confirmed_after_cutoff_is_not_seen():
    ds = build_set([decision("t1", 0)], [LabelRecord("t1", True, 10 * HOUR)], start_ms=0, end_ms=HOUR,
                   cutoff_ms=5 * HOUR)
    assert labels_of(ds) == {"t1": 0}


def test_fraud_confirmed_at_cutoff_counts():
    ds = build_set([decision("t1", 0)], [LabelRecord("t1", True, 5 * HOUR)], start_ms=0, end_ms=HOUR,
                   cutoff_ms=5 * HOUR)
    assert labels_of(ds) == {"t1": 1}


def test_later_verdict_after_cutoff_does_not_override_earlier_one():
    labels = [LabelRecord("t1", False, 1 * HOUR), LabelRecord("t1", True, 9 * HOUR)]
    ds = build_set([decision("t1", 0)], labels, start_ms=0, end_ms=HOUR, cutoff_ms=5 * HOUR,
                   unlabelled=Unlabelled.DROP)
    assert labels_of(ds) == {"t1": 0}


def test_latest_verdict_before_cutoff_wins():
    labels = [LabelRecord("t1", False, 1 * HOUR), LabelRecord("t1", True, 2 * HOUR)]
    ds = build_set([decision("t1", 0)], labels, start_ms=0, end_ms=HOUR, cutoff_ms=5 * HOUR)
    assert labels_of(ds) == {"t1": 1}


def test_unlabelled_are_genuine_by_default():
    ds = build_set([decision("t1", 0)], [], start_ms=0, end_ms=HOUR, cutoff_ms=HOUR)
    assert labels_of(ds) == {"t1": 0} and ds.labelled.tolist() == [False]


def test_unlabelled_can_be_dropped():
    ds = build_set([decision("t1", 0), decision("t2", 1)], [LabelRecord("t2", False, 2)], start_ms=0,
                   end_ms=HOUR, cutoff_ms=HOUR, unlabelled=Unlabelled.DROP)
    assert ds.transaction_ids.tolist() == ["t2"]


def test_re_emitted_decision_counts_once():
    ds = build_set([decision("t1", 0), decision("t1", 0)], [], start_ms=0, end_ms=HOUR, cutoff_ms=HOUR)
    assert len(ds) == 1


def test_time_split_windows_do_not_overlap(interaction):
    from .conftest import split_of

    split = split_of(interaction)
    assert split.train.event_time_ms.max() < split.evaluation.event_time_ms.min()
    assert not set(split.train.transaction_ids) & set(split.evaluation.transaction_ids)


def test_time_split_applies_each_windows_own_cutoff():
    decisions = [decision("old", 0), decision("new", 10 * HOUR)]
    labels = [LabelRecord("old", True, 20 * HOUR), LabelRecord("new", True, 20 * HOUR)]
    spec = SplitSpec(split_time_ms=5 * HOUR, train_cutoff_ms=5 * HOUR, eval_cutoff_ms=30 * HOUR)
    split = time_split(decisions, labels, spec)
    assert (labels_of(split.train), labels_of(split.evaluation)) == ({"old": 0}, {"new": 1})


def test_training_with_a_late_label_would_differ():
    """The cut-off matters: the same data with a later cut-off yields a different training target."""
    decisions = [decision("t1", 0), decision("t2", 1)]
    labels = [LabelRecord("t1", True, 3 * HOUR)]
    early = build_set(decisions, labels, start_ms=0, end_ms=HOUR, cutoff_ms=2 * HOUR)
    late = build_set(decisions, labels, start_ms=0, end_ms=HOUR, cutoff_ms=4 * HOUR)
    assert early.positives == 0 and late.positives == 1


def test_split_needs_ordered_windows():
    with pytest.raises(DatasetError, match="split_time"):
        SplitSpec(split_time_ms=10, train_cutoff_ms=10, eval_cutoff_ms=10, eval_end_ms=5)


def test_decision_without_features_is_refused():
    with pytest.raises(DatasetError, match="t9"):
        parse_decision({"transaction_id": "t9", "account_id": "a", "event_time": "2024-05-01T00:00:00Z",
                        "rule_score": 0.1})


def test_decision_with_naive_time_is_refused():
    with pytest.raises(DatasetError, match="time zone"):
        parse_decision({"transaction_id": "t9", "account_id": "a", "event_time": "2024-05-01T00:00:00",
                        "rule_score": 0.1, "features": {}})


def test_parsed_decision_time_is_epoch_ms():
    record = parse_decision({"transaction_id": "t", "account_id": "a", "event_time": "2024-05-01T08:00:00.123+08:00",
                             "rule_score": 0.1, "features": {}})
    assert record.event_time_ms == 1_714_521_600_123


def test_subset_keeps_rows_aligned():
    ds = build_set([decision("t1", 0), decision("t2", 1)], [LabelRecord("t2", True, 2)], start_ms=0,
                   end_ms=HOUR, cutoff_ms=HOUR)
    sub = ds.subset(np.array([False, True]))
    assert (sub.transaction_ids.tolist(), sub.y.tolist(), len(sub.features)) == (["t2"], [1], 1)
