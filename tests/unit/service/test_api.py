"""The query API in process (FastAPI's TestClient over a real SQLite store): auth, scope, shapes."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.settings import Settings
from service.app import create_app
from service.store import writes
from service.store.api_keys import create_key
from tests.servicedata import batch, pipeline_output


@pytest.fixture
def client(engine) -> Iterator[TestClient]:
    writes.write_batch(engine, batch(), now_ms=0)
    with TestClient(create_app(Settings(sink_enabled=False), engine=engine)) as test_client:
        yield test_client


@pytest.fixture
def key(engine):
    return lambda scope: {"X-API-Key": create_key(engine, f"key {scope}", scope, now_ms=0)}


def _decision_in(province: str) -> dict:
    return next(d for d in pipeline_output()["decisions"] if d["branch_path"].startswith(province + "/"))


def test_without_a_key_every_query_is_401(client):
    for path in ("/v1/decisions", "/v1/versions", f"/v1/decisions/{_decision_in('44')['transaction_id']}"):
        response = client.get(path)
        assert response.status_code == 401 and response.json()["error"]["code"] == "api_key_invalid"
    assert client.get("/v1/decisions", headers={"X-API-Key": "fsk_bad"}).status_code == 401


def test_a_decision_in_scope_comes_whole_with_its_reasons(client, key):
    decision = _decision_in("44")
    response = client.get(f"/v1/decisions/{decision['transaction_id']}", headers=key("44/4401"))
    assert response.status_code == 200
    body = response.json()
    assert body["reason_codes"] == decision["reason_codes"] and body["rule_hits"] == decision["rule_hits"]
    assert body["features"] == decision["features"]


@pytest.mark.parametrize("path", [
    "/v1/decisions/{tx}", "/v1/accounts/{account}/decisions", "/v1/accounts/{account}/alerts",
    "/v1/entities/account/{account}/profile", "/v1/decisions?branch=45", "/v1/alerts?branch=45/4501",
    "/v1/blocks?branch=45", "/v1/decisions?branch=*"])
def test_queries_outside_the_keys_scope_are_403(client, key, path):
    other = _decision_in("45")
    response = client.get(path.format(tx=other["transaction_id"], account=other["account_id"]), headers=key("44"))
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "out_of_scope"


def test_the_same_queries_inside_the_scope_answer(client, key):
    other = _decision_in("45")
    headers = key("45/4501")
    for path in (f"/v1/accounts/{other['account_id']}/decisions", f"/v1/accounts/{other['account_id']}/alerts",
                 f"/v1/entities/account/{other['account_id']}/profile", "/v1/decisions?branch=45/4501/450102"):
        assert client.get(path, headers=headers).status_code == 200, path


def test_a_listing_is_bounded_by_the_scope_and_pages_with_a_cursor(client, key):
    headers = key("44/4401")
    first = client.get("/v1/decisions", params={"limit": 5, "action": "BLOCK"}, headers=headers).json()
    second = client.get("/v1/decisions", params={"limit": 5, "action": "BLOCK", "cursor": first["next_cursor"]},
                        headers=headers).json()
    items = first["items"] + second["items"]
    assert len(items) == 10 and len({i["transaction_id"] for i in items}) == 10
    assert all(i["branch_path"].startswith("44/4401/") and i["action"] == "BLOCK" for i in items)


def test_bad_filters_are_4xx_not_500(client, key):
    headers = key("*")
    assert client.get("/v1/decisions", params={"cursor": "%%%"}, headers=headers).status_code == 400
    assert client.get("/v1/decisions", params={"branch": "44//1"}, headers=headers).status_code == 400
    assert client.get("/v1/decisions", params={"since": "2026-01-01T00:00:00"}, headers=headers).status_code == 400
    assert client.get("/v1/decisions", params={"limit": 0}, headers=headers).status_code == 422
    assert client.get("/v1/entities/card/x/profile", headers=headers).status_code == 422


def test_the_openapi_document_is_published_with_the_key_header(client):
    spec = client.get("/openapi.json").json()
    assert "/v1/decisions/{transaction_id}" in spec["paths"] and "/v1/blocks" in spec["paths"]
    assert spec["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
    assert client.get("/health").json() == {"status": "ok"}


def test_ready_needs_the_store_and_every_registered_part(engine):
    app = create_app(Settings(sink_enabled=False), engine=engine)
    with TestClient(app) as test_client:
        assert test_client.get("/ready").json() == {"ready": True, "store": True}
        app.state.ready_checks["decision_replies"] = lambda: False
        response = test_client.get("/ready")
        assert response.status_code == 503
        assert response.json() == {"ready": False, "store": True, "decision_replies": False}
        assert test_client.get("/health").status_code == 200  # liveness is not readiness
    assert create_app(Settings(sink_enabled=False), engine=engine).state.ready_checks["store"]() is False  # unopened


def test_an_unreachable_store_is_not_ready():
    from service.app import _store_answers
    from service.store.engine import open_engine

    assert _store_answers(open_engine("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")) is False
