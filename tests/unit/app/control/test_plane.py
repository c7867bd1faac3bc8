import time

import pytest

from app.control.holder import StrategyHolder
from app.control.plane import ControlPlane
from app.control.records import ControlRecord, sign
from app.rulesets import bundle
from app.settings import Settings

TOKEN = "secret"


@pytest.fixture(scope="module")
def starter() -> str:
    return bundle(Settings().ruleset_path)


def records(kind: str, version: str, body: str | None, token: str = TOKEN) -> list[tuple[bytes, bytes]]:
    now = int(time.time() * 1000)
    artifact = sign(ControlRecord(kind=kind, version=version, author="a", published_at_ms=now, body=body), token)
    pointer = sign(ControlRecord(kind=kind, version=version, author="a", published_at_ms=now), token)
    return [(artifact.artifact_key().encode(), artifact.model_dump_json().encode()),
            (pointer.pointer_key().encode(), pointer.model_dump_json().encode())]


def plane() -> tuple[ControlPlane, StrategyHolder]:
    holder = StrategyHolder.from_files(Settings())
    return ControlPlane(Settings(admin_token=TOKEN), holder), holder


def test_a_published_ruleset_is_swapped_in(starter):
    control, holder = plane()
    before = holder.versions_dict()["ruleset"]
    v2 = starter.replace('version: 2026.11.1', 'version: 2026.12.1')
    assert control.ingest(records("ruleset", "2026.12.1", v2), TOKEN)
    control.apply()
    after = holder.versions_dict()["ruleset"]
    assert after != before and after.startswith("2026.12.1+")


def test_an_invalid_ruleset_is_refused_and_the_last_good_one_kept(starter):
    control, holder = plane()
    before = holder.versions_dict()
    broken = starter.replace("tx.amount", "tx.amuont", 1)
    control.ingest(records("ruleset", "bad", broken), TOKEN)
    control.apply()
    assert holder.versions_dict() == before
    assert control.last_error and "amuont" in control.last_error


def test_records_signed_with_another_token_are_ignored(starter):
    control, holder = plane()
    before = holder.versions_dict()
    assert not control.ingest(records("ruleset", "x", starter, token="forged"), TOKEN)
    control.apply()
    assert holder.versions_dict() == before


def test_a_pointer_to_a_missing_artifact_changes_nothing(starter):
    control, holder = plane()
    before = holder.versions_dict()
    control.ingest(records("ruleset", "ghost", starter)[1:], TOKEN)  # pointer only
    control.apply()
    assert holder.versions_dict() == before and "missing" in (control.last_error or "")


def test_rollback_is_a_pointer_back_to_an_earlier_artifact(starter):
    control, holder = plane()
    v1, v2 = starter, starter.replace('version: 2026.11.1', 'version: 2026.12.1')
    control.ingest(records("ruleset", "2026.11.1", v1) + records("ruleset", "2026.12.1", v2), TOKEN)
    control.apply()
    assert holder.versions_dict()["ruleset"].startswith("2026.12.1+")
    control.ingest(records("ruleset", "2026.11.1", v1)[1:], TOKEN)
    control.apply()
    assert holder.versions_dict()["ruleset"].startswith("2026.11.1+")
