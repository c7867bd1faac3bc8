import numpy as np
import pytest

from risk.model.artifact import ModelArtifact, ModelKind
from risk.model.exceptions import ArtifactError, VectorizeError
from risk.model.scorer import Scorer

from .conftest import NAMES, build


@pytest.fixture(params=["lgbm_artifact", "logistic_artifact"])
def artifact(request) -> ModelArtifact:
    return request.getfixturevalue(request.param)


def test_score_one_equals_score_batch(artifact, rows):
    scorer = Scorer.from_artifact(artifact)
    batch = scorer.score_batch(rows)
    single = np.array([scorer.score_one(r) for r in rows])
    np.testing.assert_allclose(single, batch, rtol=0, atol=1e-9)


def test_scores_are_probabilities(artifact, rows):
    scores = Scorer.from_artifact(artifact).score_batch(rows)
    assert scores.shape == (len(rows),) and np.all((scores >= 0) & (scores <= 1))


def test_json_round_trip_scores_identically(artifact, rows):
    restored = ModelArtifact.from_json(artifact.to_json())
    np.testing.assert_array_equal(Scorer.from_artifact(restored).score_batch(rows),
                                  Scorer.from_artifact(artifact).score_batch(rows))


def test_columns_score_like_rows(artifact, rows):
    scorer = Scorer.from_artifact(artifact)
    columns = {name: [r[name] for r in rows] for name in scorer.layout.feature_names}
    np.testing.assert_array_equal(scorer.score_batch(columns), scorer.score_batch(rows))


def test_lgbm_model_separates_its_training_pattern(lgbm_artifact):
    scorer = Scorer.from_artifact(lgbm_artifact)
    risky = scorer.score_one({"tx.amount": 5000.0, "tx.channel": "mobile", "account.is_new_device": True})
    safe = scorer.score_one({"tx.amount": 20.0, "tx.channel": "mobile", "account.is_new_device": False})
    assert risky > 0.5 > safe


def test_matrix_of_wrong_width_is_refused(lgbm_artifact):
    with pytest.raises(VectorizeError, match="expected"):
        Scorer.from_artifact(lgbm_artifact).score_matrix(np.zeros((3, 2), dtype=np.float32))


def test_lgbm_payload_reading_other_features_is_refused(lgbm_artifact):
    renamed = build(ModelKind.LGBM, lgbm_artifact.payload, ("tx.hour", *NAMES[1:-1], "tx.amount"))
    with pytest.raises(ArtifactError, match="manifest declares"):
        Scorer.from_artifact(renamed)


def test_malformed_logistic_payload_is_refused():
    broken = build(ModelKind.LOGISTIC, '{"transform": "signed_log1p+standardize+clip", "mean": [1]}',
                   ("tx.amount",), {})
    with pytest.raises(ArtifactError, match="logistic payload"):
        Scorer.from_artifact(broken)
