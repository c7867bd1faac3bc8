import numpy as np
import pytest

from modelplatform.exceptions import RegistryError
from modelplatform.registry import Registry, Role
from risk.model.artifact import ModelArtifact, ModelKind, TimeWindow
from risk.model.exceptions import ChecksumMismatchError
from risk.model.logistic import LogisticParams


def artifact(version: str, created_at_ms: int) -> ModelArtifact:
    params = LogisticParams(np.zeros(1), np.ones(1), np.ones(1), 0.0)
    return ModelArtifact.build(name="m", version=version, kind=ModelKind.LOGISTIC, feature_names=("tx.amount",),
                               vocabularies={}, payload=params.to_payload(),
                               train_window=TimeWindow(start_ms=0, end_ms=1), label_cutoff_ms=1,
                               created_at_ms=created_at_ms)


def test_saved_version_reads_back_equal(tmp_path):
    registry = Registry(tmp_path)
    registry.save(artifact("1", 10))
    assert registry.get("m", "1") == artifact("1", 10)


def test_versions_are_immutable(tmp_path):
    registry = Registry(tmp_path)
    registry.save(artifact("1", 10))
    with pytest.raises(RegistryError, match="immutable"):
        registry.save(artifact("1", 20))


def test_latest_is_the_newest_by_creation_time(tmp_path):
    registry = Registry(tmp_path)
    registry.save(artifact("10", 10))
    registry.save(artifact("9", 20))
    assert registry.latest("m").version == "9"


def test_list_shows_every_version(tmp_path):
    registry = Registry(tmp_path)
    for v, t in (("1", 1), ("2", 2)):
        registry.save(artifact(v, t))
    assert [(e.name, e.version) for e in registry.list()] == [("m", "1"), ("m", "2")]


def test_champion_pointer_is_a_file_naming_the_version(tmp_path):
    registry = Registry(tmp_path)
    registry.save(artifact("1", 1))
    registry.set_pointer("m", Role.CHAMPION, "1")
    assert (tmp_path / "m" / "champion").read_text().strip() == "1" and registry.pointer("m", Role.CHAMPION) == "1"


def test_pointer_to_a_missing_version_is_refused(tmp_path):
    registry = Registry(tmp_path)
    with pytest.raises(RegistryError, match="no model"):
        registry.set_pointer("m", Role.CHALLENGER, "7")


def test_path_traversal_in_a_name_is_refused(tmp_path):
    with pytest.raises(RegistryError, match="version"):
        Registry(tmp_path).get("m", "../../etc")


def test_tampered_file_on_disk_is_refused(tmp_path):
    registry = Registry(tmp_path)
    path = registry.save(artifact("1", 1)) / "artifact.json"
    text = path.read_text()
    tampered = text.replace('\\"intercept\\": 0.0', '\\"intercept\\": 5.0')
    assert tampered != text
    path.write_text(tampered)
    with pytest.raises(ChecksumMismatchError):
        registry.get("m", "1")
