import pytest

from app.control.exceptions import ControlError
from app.control.records import ControlRecord, sign, verify

RECORD = ControlRecord(kind="ruleset", version="v2", author="analyst", published_at_ms=1, body="rules: []")


def test_a_signed_record_verifies_with_the_same_token():
    raw = sign(RECORD, "secret").model_dump_json().encode()
    assert verify(raw, "secret") == sign(RECORD, "secret")


def test_a_record_signed_with_another_token_is_refused():
    raw = sign(RECORD, "attacker").model_dump_json().encode()
    with pytest.raises(ControlError, match="bad signature"):
        verify(raw, "secret")


def test_a_tampered_body_is_refused():
    signed = sign(RECORD, "secret")
    raw = signed.model_copy(update={"body": "rules: [evil]"}).model_dump_json().encode()
    with pytest.raises(ControlError):
        verify(raw, "secret")


def test_signing_needs_a_token():
    with pytest.raises(ControlError, match="FRAUDSTREAM_ADMIN_TOKEN"):
        sign(RECORD, "")


def test_malformed_bytes_are_a_control_error():
    with pytest.raises(ControlError, match="malformed"):
        verify(b"{nope", "secret")


def test_a_pointer_stands_under_its_own_key_or_the_legacy_one():
    from app.control.records import key_matches

    pointer = sign(RECORD.model_copy(update={"body": None, "published_at_ms": 42}), "secret")
    assert key_matches("active:ruleset:42", pointer) and key_matches("active:ruleset", pointer)
    assert not key_matches("active:ruleset:43", pointer)
    assert not key_matches("active:policy:42", pointer)
    assert not key_matches("artifact:ruleset:v2", pointer)
    assert key_matches("artifact:ruleset:v2", sign(RECORD, "secret"))
