import math

import numpy as np
import pytest

from modelplatform.metrics import (
    DAY_MS,
    MetricsError,
    average_precision,
    daily_precision_at_k,
    linear_blend,
    recall_at_budget,
    roc_auc,
)

Y = np.array([1, 0, 1, 0, 0])
S = np.array([0.9, 0.8, 0.7, 0.3, 0.1])


def test_auc_by_hand():
    # positive pairs (pos, neg): 0.9 beats 3 of 3, 0.7 beats 2 of 3 → 5/6
    assert roc_auc(Y, S) == pytest.approx(5 / 6)


def test_auc_counts_ties_as_half():
    assert roc_auc(np.array([1, 0]), np.array([0.5, 0.5])) == pytest.approx(0.5)


def test_auc_of_one_class_is_undefined():
    assert math.isnan(roc_auc(np.array([0, 0]), np.array([0.1, 0.2])))


def test_average_precision_by_hand():
    # hits at ranks 1 and 3: (1/2)·1 + (1/2)·(2/3)
    assert average_precision(Y, S) == pytest.approx(0.5 + 1 / 3)


def test_average_precision_treats_a_tie_as_one_threshold():
    # both at 0.5: one threshold with precision 1/2 and recall 1
    assert average_precision(np.array([1, 0]), np.array([0.5, 0.5])) == pytest.approx(0.5)


def test_daily_precision_at_k_by_hand():
    y = np.array([1, 0, 0, 0, 1, 0])
    s = np.array([0.9, 0.8, 0.1, 0.7, 0.2, 0.95])
    accounts = np.array(["a", "b", "a", "c", "d", "e"])
    # day 0: a(max .9, fraud), b(.8), c(.7) → top 2 = a, b → 1/2; day 1: e(.95), d(.2, fraud) → top 2 → 1/2
    times = np.array([0, 1, 2, 3, DAY_MS, DAY_MS + 1])
    assert daily_precision_at_k(y, s, accounts, times, 2, day_offset_ms=0) == {"0": 0.5, "1": 0.5}


def test_daily_precision_at_k_ranks_accounts_by_their_max_score():
    # account a has one low and one high transaction; the fraud is on the low one
    y, s = np.array([1, 0, 0]), np.array([0.1, 0.9, 0.5])
    accounts = np.array(["a", "a", "b"])
    assert daily_precision_at_k(y, s, accounts, np.array([0, 1, 2]), 1, day_offset_ms=0) == {"0": 1.0}


def test_days_follow_the_bank_time_zone():
    # 15:59:59.999 and 16:00 UTC on the same UTC day fall on either side of Beijing midnight
    times = np.array([16 * 3_600_000 - 1, 16 * 3_600_000])
    daily = daily_precision_at_k(np.array([0, 1]), np.array([0.5, 0.5]), np.array(["a", "b"]), times, 1)
    assert len(daily) == 2


def test_recall_at_budget_by_hand():
    y = np.array([1, 0, 0, 1, 0, 0, 0, 0, 0, 1])
    s = np.array([0.9, 0.8, 0.1, 0.7, 0.2, 0.3, 0.1, 0.0, 0.05, 0.01])
    # 20% of 10 → top 2 (0.9, 0.8) hold 1 of 3 frauds; 30% → top 3 adds 0.7 → 2 of 3
    assert (recall_at_budget(y, s, 0.2), recall_at_budget(y, s, 0.3)) == pytest.approx((1 / 3, 2 / 3))


def test_nan_scores_are_refused():
    with pytest.raises(MetricsError, match="NaN"):
        roc_auc(np.array([1, 0]), np.array([np.nan, 0.1]))


def test_linear_blend_weights_model_against_rules():
    assert linear_blend(0.25)(np.array([1.0]), np.array([0.0])).tolist() == [0.75]
