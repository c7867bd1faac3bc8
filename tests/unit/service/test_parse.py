"""What the sink takes from each topic, and the dead-letter codes of what it refuses."""

import orjson
import pytest

from agents.topology import TopicNames
from app.control.records import ControlRecord, sign
from service.parse import Consumed, add
from service.store.rows import Batch
from tests.servicedata import pipeline_output

NAMES = TopicNames.with_prefix("")


def _take(topic: str, value: bytes | None, key: bytes | None = b"k", token: str | None = None):
    batch = Batch()
    rejection = add(batch, NAMES, Consumed(topic, 0, 7, key, value), token, now_ms=0)
    return batch, rejection


def test_each_output_topic_lands_in_its_own_list():
    out = pipeline_output()
    for topic, field, doc in ((NAMES.decisions, "decisions", out["decisions"][0]),
                              (NAMES.alerts, "alerts", out["alerts"][0]),
                              (NAMES.blocks, "blocks", out["blocks"][0])):
        batch, rejection = _take(topic, orjson.dumps(doc))
        assert rejection is None and len(getattr(batch, field)) == 1 and len(batch) == 1


@pytest.mark.parametrize(("value", "code"), [
    (b"{not json", "invalid_json"), (b"[1]", "not_an_object"), (None, "invalid_json"),
    (orjson.dumps({"transaction_id": "tx1"}), "missing_field")])
def test_bad_records_are_refused_with_the_workers_codes(value, code):
    batch, rejection = _take(NAMES.decisions, value)
    assert rejection is not None and rejection.code == code and len(batch) == 0


def _pointer(version: str, token: str) -> tuple[bytes, bytes]:
    record = sign(ControlRecord(kind="ruleset", version=version, author="ana", published_at_ms=5, note="n"), token)
    return record.pointer_key().encode(), record.model_dump_json().encode()


def test_activations_are_stored_verified_with_the_token_and_forgeries_skipped():
    key, value = _pointer("r1", "secret")
    batch, _ = _take(NAMES.control, value, key, token="secret")
    assert [(p.version, p.verified) for p in batch.pointers] == [("r1", True)]
    forged, _ = _take(NAMES.control, value, key, token="other")
    assert forged.pointers == []
    unverified, _ = _take(NAMES.control, value, key, token=None)
    assert [p.verified for p in unverified.pointers] == [False]


def test_artifacts_and_misfiled_pointers_are_not_stored():
    _key, value = _pointer("r1", "secret")
    misfiled, rejection = _take(NAMES.control, value, b"active:policy:5", token="secret")
    assert misfiled.pointers == [] and rejection is None
    artifact, _ = _take(NAMES.control, b'{"kind":"ruleset","body":"x"}', b"artifact:ruleset:r1", token="secret")
    assert len(artifact) == 0


def test_the_sink_stores_the_good_records_of_a_batch_and_returns_the_bad_for_dead_letters(engine):
    from app.settings import Settings
    from service.sink import StoreSink
    from service.store import queries

    decisions = pipeline_output()["decisions"][:5]
    consumed = [Consumed(NAMES.decisions, 0, n, None, orjson.dumps(d)) for n, d in enumerate(decisions)]
    consumed.insert(2, Consumed(NAMES.decisions, 0, 99, b"k", b"{broken"))
    refused = StoreSink(Settings(), engine).store(consumed, now_ms=0)
    assert [(m.offset, r.code) for m, r in refused] == [(99, "invalid_json")]
    with engine.connect() as connection:
        assert queries.counts(connection)["decisions"] == 5
