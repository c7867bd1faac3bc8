from __future__ import annotations

import numpy as np
import pytest

from modelplatform.crossfit import account_folds, cross_fitted_combiner, out_of_fold_scores
from modelplatform.exceptions import TrainingError
from modelplatform.features import model_features
from modelplatform.metrics import average_precision
from modelplatform.pipeline import score_set
from modelplatform.train import train_lgbm

from .conftest import SMALL_LGBM


def test_folds_are_whole_accounts_stable_across_calls_and_all_used():
    accounts = np.array([f"acc{i % 97:04d}" for i in range(2000)], dtype=object)
    folds = account_folds(accounts, 4)
    assert np.array_equal(folds, account_folds(list(accounts), 4))
    for account in np.unique(accounts):
        assert len(set(folds[accounts == account])) == 1
    assert set(folds) == {0, 1, 2, 3}
    with pytest.raises(TrainingError, match="at least 2 folds"):
        account_folds(accounts, 1)


def test_out_of_fold_scores_come_from_models_that_never_saw_the_row(interaction_split):
    train = interaction_split.train
    names = model_features()
    oof = out_of_fold_scores(train, feature_names=names, params=SMALL_LGBM, folds=3)
    in_sample = score_set(train_lgbm(train, name="m", version="1", feature_names=names, params=SMALL_LGBM,
                                     created_at_ms=0), train)
    assert oof.shape == (len(train),) and not np.isnan(oof).any()
    # held-out scores still find fraud, but less well than scores on rows the model trained on
    prevalence = train.positives / len(train)
    assert 3 * prevalence < average_precision(train.y, oof) < average_precision(train.y, in_sample)


def test_cross_fitted_combiner_weights_the_informative_input(interaction_split):
    combiner = cross_fitted_combiner(interaction_split.train, feature_names=model_features(), params=SMALL_LGBM,
                                     folds=3)
    # the synthetic model score separates fraud, the rule score only tracks the amount: the model counts more
    assert combiner.model_coef > 0.3
    assert "3-fold out-of-fold" in combiner.fitted_on
