import orjson
import pytest

from risk.validation import Accepted, Checked, Rejection, TimeBounds, validate
from schemas import Label, Transaction

NOW = 1_764_000_000_000
BOUNDS = TimeBounds(max_future_ms=300_000, max_age_ms=86_400_000)
GOOD = {"transaction_id": "t1", "event_time": "2025-11-24T16:00:00Z", "account_id": "a1", "customer_id": "c1",
        "branch": {"province": "44", "city": "4401", "county": "440106"}, "channel": "mobile",
        "tx_type": "transfer", "amount": "100.50"}


def check(doc, **kw):
    raw = doc if isinstance(doc, bytes) else orjson.dumps(doc)
    return validate(raw, Transaction, max_bytes=kw.get("max_bytes", 65536), now_ms=NOW, bounds=BOUNDS)


def test_valid_transaction_is_accepted():
    result = check(GOOD)
    assert isinstance(result, Accepted) and str(result.message.amount) == "100.50"


@pytest.mark.parametrize(("doc", "code", "field"), [
    ({**GOOD, "amount": -5}, "amount_out_of_range", "amount"),
    ({**GOOD, "amount": "NaN"}, "amount_out_of_range", "amount"),
    ({**GOOD, "amount": "1e15"}, "amount_out_of_range", "amount"),
    ({**GOOD, "amount": "abc"}, "wrong_type", "amount"),
    ({**GOOD, "channel": "fax"}, "unknown_enum_value", "channel"),
    ({k: v for k, v in GOOD.items() if k != "account_id"}, "missing_field", "account_id"),
    ({**GOOD, "event_time": "2025-11-24T16:00:00"}, "invalid_value", "event_time"),
])
def test_schema_violations_have_stable_codes_and_name_the_field(doc, code, field):
    result = check(doc)
    assert isinstance(result, Rejection)
    assert result.code == code and field in result.fields


@pytest.mark.parametrize(("raw", "code"), [(b"{not json", "invalid_json"), (b"[1, 2]", "not_an_object"),
                                           (b'{"amount": NaN}', "invalid_json")])
def test_unparseable_input(raw, code):
    assert check(raw).code == code


def test_oversize_message_is_rejected_before_parsing():
    assert check(orjson.dumps({**GOOD, "pad": "x" * 2000}), max_bytes=1024).code == "oversize"


@pytest.mark.parametrize("when", ["2025-11-24T17:00:00Z", "2025-11-20T00:00:00Z"])
def test_event_time_far_from_the_clock(when):
    assert check({**GOOD, "event_time": when}).code == "event_time_out_of_range"


def test_checked_bytes_are_not_validated_again_but_still_bounded():
    message = Transaction.model_validate(GOOD)
    taken = validate(Checked.of(orjson.dumps(GOOD), message), Transaction, max_bytes=65536, now_ms=NOW)
    assert isinstance(taken, Accepted) and taken.message is message  # the import's object, not a new parse
    late = validate(Checked.of(orjson.dumps(GOOD), message), Transaction, max_bytes=65536, now_ms=NOW + 2 * 86_400_000,
                    bounds=BOUNDS)
    assert isinstance(late, Rejection) and late.code == "event_time_out_of_range"
    other = validate(Checked.of(orjson.dumps(GOOD), message), Label, max_bytes=65536, now_ms=NOW)
    assert isinstance(other, Rejection) and other.code == "missing_field"  # checked as another schema: parsed
