"""POST /v1/decisions on the real broker with a real worker: decided by the pipeline, idempotent, bad input
refused with dead-letter codes and never published, a missed deadline answered with the channel's fallback."""

from __future__ import annotations

import asyncio
from collections import Counter

import orjson
import pytest

from app.settings import ChannelDeadline, Settings
from service.store.api_keys import create_key
from service.store.engine import migrate, open_engine
from tests.conftest import record_traffic
from tests.integration.harness import Scrape, WorkerProcess, consume
from tests.integration.service_harness import RunningService
from tests.integration.traffic import transaction


@pytest.fixture
def worker(kafka_bootstrap, unique_prefix, tmp_path):
    proc = WorkerProcess("w1", kafka_bootstrap, unique_prefix, tmp_path, partitions=2, engine="quix").start()
    proc.wait_ready()
    yield proc
    proc.stop()


def test_the_decision_api_answers_with_the_pipelines_decision(kafka_bootstrap, unique_prefix, tmp_path, worker):
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_engine(store_url)
    migrate(engine)
    bank, elsewhere = create_key(engine, "bank", "*", 0), create_key(engine, "gx", "45", 0)
    settings = Settings(bootstrap_servers=kafka_bootstrap, topic_prefix=unique_prefix, partitions=2,
                        store_url=store_url, app_id=f"{unique_prefix}svc".lower(), sink_batch_wait_ms=50,
                        decision_deadlines={"mobile": ChannelDeadline(deadline_ms=8_000, fallback="ALLOW"),
                                            "counter": ChannelDeadline(deadline_ms=1, fallback="CHALLENGE")})
    mobile, counter = transaction(1, channel="mobile"), transaction(2, channel="counter")
    third_replica_tx = transaction(7, channel="mobile")

    with RunningService(settings) as service:
        def post(doc: dict | bytes, key: str | None = bank):
            body = doc if isinstance(doc, bytes) else orjson.dumps(doc)
            return service.http.post("/v1/decisions", content=body,
                                     headers={"X-API-Key": key} if key else {})

        first = post(mobile)
        assert first.status_code == 200, first.text
        decided = first.json()
        assert decided["transaction_id"] == mobile["transaction_id"]
        assert decided["action"] in {"ALLOW", "CHALLENGE", "REVIEW", "BLOCK"}
        assert decided["ruleset_version"] and not decided["fallback"] and not decided["replayed"]

        retry = post(mobile).json()
        assert retry["replayed"] and {k: retry[k] for k in ("action", "score", "reason_codes")} == {
            k: decided[k] for k in ("action", "score", "reason_codes")}

        wrong = post({**transaction(3), "amount": "abc"})
        assert (wrong.status_code, wrong.json()["error"]["code"]) == (422, "wrong_type")
        assert post(b"{not json").json()["error"]["code"] == "invalid_json"
        assert post({**transaction(4), "note": "x" * 70_000}).status_code == 413
        assert post(transaction(5), key=elsewhere).status_code == 403
        assert post(transaction(6), key=None).status_code == 401

        fallback = post(counter).json()
        assert (fallback["action"], fallback["fallback"]) == ("CHALLENGE", True)
        # the real decision still arrives and is stored; a retry then gets it, publishing nothing
        service.wait_for(lambda: service.get(f"/v1/decisions/{counter['transaction_id']}", bank).status_code == 200)
        late = post(counter).json()
        assert not late["fallback"] and late["replayed"] and late["ruleset_version"]

        scrape = Scrape.parse(service.http.get("/metrics").text)

        # a second replica (no sink of its own) reads every partition too: it gets the decision of what it
        # published, and a retry of the first replica's transaction from the store, publishing nothing
        with RunningService(settings.model_copy(update={"sink_enabled": False})) as other:
            assert other.http.get("/ready").json() == {"ready": True, "store": True, "decision_replies": True}
            elsewhere_decided = other.http.post("/v1/decisions", content=orjson.dumps(third_replica_tx),
                                                headers={"X-API-Key": bank}).json()
            assert not elsewhere_decided["fallback"] and not elsewhere_decided["replayed"]
            retried = other.http.post("/v1/decisions", content=orjson.dumps(mobile), headers={"X-API-Key": bank})
            assert retried.json()["replayed"] and retried.json()["action"] == decided["action"]

    published = asyncio.run(consume(kafka_bootstrap, f"{unique_prefix}transactions", lambda r: False,
                                    timeout_s=3))
    record_traffic("decision API transactions published", len(published))
    assert Counter(orjson.loads(r.value)["transaction_id"] for r in published) == {
        mobile["transaction_id"]: 1, counter["transaction_id"]: 1, third_replica_tx["transaction_id"]: 1}
    assert {r.key for r in published} == {mobile["account_id"].encode(), counter["account_id"].encode(),
                                          third_replica_tx["account_id"].encode()}
    assert scrape.total("fraudstream_api_fallbacks_total", channel="counter", action="CHALLENGE") == 1
    assert scrape.total("fraudstream_api_decisions_total", outcome="decided") == 1
    assert scrape.total("fraudstream_api_decisions_total", outcome="replayed") == 2
    assert scrape.total("fraudstream_api_rejected_total", code="wrong_type") == 1
    assert scrape.total("fraudstream_api_decision_latency_seconds_count") == 4  # answered requests, not refusals
