import json

import jsonschema
import pytest

from schemas import PUBLISHED_MODELS, Transaction
from schemas.export import SCHEMA_DIR, render, stale


def test_checked_in_schemas_match_the_models():
    assert stale() == [], "run `make schemas` and commit schemas/json"


def test_a_changed_model_is_detected_as_drift(monkeypatch):
    class Changed(Transaction):
        extra_field: int = 0

    monkeypatch.setitem(PUBLISHED_MODELS, "transaction", Changed)
    assert "transaction" in stale()


@pytest.mark.parametrize("name", sorted(PUBLISHED_MODELS))
def test_exported_schema_is_valid_json_schema(name):
    schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema == json.loads(render(name))


def test_schema_rejects_what_the_model_rejects():
    schema = json.loads((SCHEMA_DIR / "transaction.schema.json").read_text())
    bad = {"transaction_id": "t1", "event_time": "2025-11-24T16:00:00Z", "account_id": "a1", "customer_id": "c1",
           "branch": {"province": "44", "city": "4401", "county": "440106"}, "channel": "fax",
           "tx_type": "transfer", "amount": "1.00"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
