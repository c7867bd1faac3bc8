import json

import pytest

from risk.model.artifact import ModelArtifact
from risk.model.exceptions import ArtifactError, ChecksumMismatchError, UnknownModelKindError


def _doc(artifact: ModelArtifact) -> dict:
    return json.loads(artifact.to_json())


def test_json_round_trip_gives_an_equal_artifact(lgbm_artifact):
    assert ModelArtifact.from_json(lgbm_artifact.to_json()) == lgbm_artifact


def test_tampered_payload_is_refused(lgbm_artifact):
    doc = _doc(lgbm_artifact)
    doc["payload"] = doc["payload"].replace("shrinkage=", "shrinkage=9", 1)
    with pytest.raises(ChecksumMismatchError):
        ModelArtifact.from_json(json.dumps(doc))


def test_reordered_features_are_refused(lgbm_artifact):
    doc = _doc(lgbm_artifact)
    doc["manifest"]["feature_names"] = list(reversed(doc["manifest"]["feature_names"]))
    with pytest.raises(ChecksumMismatchError):
        ModelArtifact.from_json(json.dumps(doc))


def test_unknown_kind_is_refused(lgbm_artifact):
    doc = _doc(lgbm_artifact)
    doc["manifest"]["kind"] = "pickle"
    with pytest.raises(UnknownModelKindError, match="pickle"):
        ModelArtifact.from_json(json.dumps(doc))


def test_other_format_is_refused(lgbm_artifact):
    doc = _doc(lgbm_artifact)
    doc["format"] = "fraudstream.model/99"
    with pytest.raises(ArtifactError, match="format"):
        ModelArtifact.from_json(json.dumps(doc))


def test_unexpected_manifest_field_is_refused(lgbm_artifact):
    doc = _doc(lgbm_artifact)
    doc["manifest"]["loader"] = "os.system"
    with pytest.raises(ArtifactError, match="loader"):
        ModelArtifact.from_json(json.dumps(doc))


def test_metrics_can_be_attached_without_breaking_the_checksum(lgbm_artifact):
    updated = lgbm_artifact.with_metrics({"eval.model.auc": 0.93})
    assert ModelArtifact.from_json(updated.to_json()).manifest.metrics["eval.model.auc"] == 0.93


def test_undefined_metric_is_stored_as_null_in_strict_json(lgbm_artifact):
    updated = lgbm_artifact.with_metrics({"eval.model.auc": float("nan")})
    assert '"eval.model.auc":null' in updated.to_json()
