import numpy as np
import pytest

from modelplatform.exceptions import TrainingError
from modelplatform.features import model_features
from modelplatform.metrics import roc_auc
from modelplatform.pipeline import score_set
from modelplatform.train import train_lgbm, train_logistic

from .conftest import SMALL_LGBM, split_of


def _lgbm(split):
    return train_lgbm(split.train, name="m", version="1", feature_names=model_features(), params=SMALL_LGBM)


def _logistic(split):
    return train_logistic(split.train, name="b", version="1",
                          feature_names=model_features(include_categoricals=False))


def test_lgbm_beats_the_constant_predictor(interaction_split):
    ev = interaction_split.evaluation
    constant_auc = roc_auc(ev.y, np.full(len(ev), ev.y.mean()))
    assert roc_auc(ev.y, score_set(_lgbm(interaction_split), ev)) > constant_auc + 0.3


def test_lgbm_beats_logistic_on_a_non_linear_pattern(xor):
    split = split_of(xor)
    ev = split.evaluation
    model_auc = roc_auc(ev.y, score_set(_lgbm(split), ev))
    baseline_auc = roc_auc(ev.y, score_set(_logistic(split), ev))
    assert model_auc > baseline_auc + 0.1


def test_logistic_baseline_learns_a_simple_signal(interaction_split):
    ev = interaction_split.evaluation
    assert roc_auc(ev.y, score_set(_logistic(interaction_split), ev)) > 0.75


def test_lgbm_training_is_deterministic(interaction_split):
    assert _lgbm(interaction_split).manifest.checksum == _lgbm(interaction_split).manifest.checksum


def test_artifact_records_window_and_cutoff(interaction_split):
    m = _logistic(interaction_split).manifest
    assert (m.train_window.end_ms, m.label_cutoff_ms) == (interaction_split.train.end_ms,
                                                         interaction_split.train.cutoff_ms)


def test_one_class_training_set_is_refused(interaction_split):
    genuine_only = interaction_split.train.subset(interaction_split.train.y == 0)
    with pytest.raises(TrainingError, match="both classes"):
        train_lgbm(genuine_only, name="m", version="1", feature_names=model_features(), params=SMALL_LGBM)
