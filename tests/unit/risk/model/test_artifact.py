import json

import pytest

from risk.model.artifact import ModelArtifact
from risk.model.exceptions import ArtifactError, ChecksumMismatchError, UnknownModelKindError


def _doc(artifact: ModelArtifact) -> dict:
    return json.loads(artifact.to_json())


def test_json_round_trip_gives_an_equal_artifact(lgbm_artifact):
    assert ModelArtifact.from_json(lgbm_artifact.to_json()) == lgbm_artifact


def _tamper_payload(doc: dict) -> None:
    doc["payload"] = doc["payload"].replace("shrinkage=", "shrinkage=9", 1)


def _reorder_features(doc: dict) -> None:
    doc["manifest"]["feature_names"] = list(reversed(doc["manifest"]["feature_names"]))


REFUSALS = {  # a change to a stored artifact -> the error that refuses it (and what the message names)
    "tampered payload": (_tamper_payload, ChecksumMismatchError, None),
    "reordered features": (_reorder_features, ChecksumMismatchError, None),
    "unknown kind": (lambda doc: doc["manifest"].update(kind="pickle"), UnknownModelKindError, "pickle"),
    "other format": (lambda doc: doc.update(format="fraudstream.model/99"), ArtifactError, "format"),
    "unexpected manifest field": (lambda doc: doc["manifest"].update(loader="os.system"), ArtifactError, "loader"),
}


@pytest.mark.parametrize("change", REFUSALS)
def test_a_changed_artifact_is_refused(lgbm_artifact, change):
    mutate, error, named = REFUSALS[change]
    doc = _doc(lgbm_artifact)
    mutate(doc)
    with pytest.raises(error, match=named):
        ModelArtifact.from_json(json.dumps(doc))


def test_metrics_can_be_attached_without_breaking_the_checksum(lgbm_artifact):
    updated = lgbm_artifact.with_metrics({"eval.model.auc": 0.93})
    assert ModelArtifact.from_json(updated.to_json()).manifest.metrics["eval.model.auc"] == 0.93


def test_undefined_metric_is_stored_as_null_in_strict_json(lgbm_artifact):
    updated = lgbm_artifact.with_metrics({"eval.model.auc": float("nan")})
    assert '"eval.model.auc":null' in updated.to_json()
