"""End to end on the real broker: valid input → exactly one decision each; bad input → dead letters."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import orjson
import pytest

from agents.local import LocalPipeline
from app.control.holder import StrategyHolder
from app.settings import Settings
from tests.conftest import record_traffic
from tests.integration.harness import WorkerProcess, consume, produce, values
from tests.integration.traffic import encode, transaction

VALID = 240
BAD = [
    (b"acc0001", b"{not json", "invalid_json"),
    (b"acc0001", orjson.dumps({**transaction(9001), "amount": "abc"}), "wrong_type"),
    (b"acc0001", orjson.dumps({k: v for k, v in transaction(9002).items() if k != "account_id"}), "missing_field"),
    (b"acc0001", orjson.dumps({**transaction(9003), "amount": "-10.00"}), "amount_out_of_range"),
    (b"acc0001", orjson.dumps({**transaction(9004), "amount": "NaN"}), "amount_out_of_range"),
    (b"acc0001", orjson.dumps({**transaction(9005), "channel": "telegraph"}), "unknown_enum_value"),
    (b"acc0001", orjson.dumps({**transaction(9006), "note": "x" * 70_000}), "oversize"),
    (b"acc0001", orjson.dumps({**transaction(9007), "event_time": "2099-01-01T00:00:00+00:00"}),
     "event_time_out_of_range"),
]


def strip_timings(decision: dict) -> dict:
    return {k: v for k, v in decision.items() if k != "timings_ms"}


@pytest.fixture
def worker(engine, kafka_bootstrap, unique_prefix, tmp_path):
    proc = WorkerProcess("w1", kafka_bootstrap, unique_prefix, tmp_path, partitions=1, engine=engine).start()
    proc.wait_ready()
    yield proc
    proc.stop()


def test_every_valid_transaction_gets_one_decision_and_bad_input_is_dead_lettered(
        kafka_bootstrap, unique_prefix, worker):
    docs = [transaction(i) for i in range(VALID)]
    messages = [encode(doc) for doc in docs]
    messages.insert(50, encode(docs[10]))  # a duplicate transaction id from the producer
    stream = messages[:100] + [(key, value) for key, value, _ in BAD] + messages[100:]
    sent = asyncio.run(produce(kafka_bootstrap, f"{unique_prefix}transactions", stream))
    record_traffic("transactions produced", sent)

    decisions = values(asyncio.run(consume(kafka_bootstrap, f"{unique_prefix}risk-decisions",
                                           lambda r: len(r) >= VALID, timeout_s=120)))
    dead = values(asyncio.run(consume(kafka_bootstrap, f"{unique_prefix}dead-letter",
                                      lambda r: len(r) >= len(BAD) + 1, timeout_s=30)))
    record_traffic("decisions consumed", len(decisions))
    record_traffic("dead letters consumed", len(dead))

    ids = Counter(d["transaction_id"] for d in decisions)
    assert sorted(ids) == sorted(doc["transaction_id"] for doc in docs), worker.tail()
    assert max(ids.values()) == 1
    codes = Counter(d["error"]["code"] for d in dead)
    expected = Counter(code for _, _, code in BAD) + Counter({"duplicate_transaction_id": 1})
    assert codes == expected
    assert {d["value_b64"] for d in dead if d["error"]["code"] == "invalid_json"}  # original bytes kept
    _assert_metrics_match(worker, unique_prefix, sent, codes)


def _assert_metrics_match(worker, prefix, sent, dead_codes):
    """/metrics (Prometheus text) counts what the topics hold; offsets and lag catch up once the input is done."""
    scrape = worker.metrics()
    assert scrape.total("fraudstream_transactions_in_total") == sent
    assert scrape.total("fraudstream_decisions_total") == VALID
    assert {labels["code"]: value for labels, value in scrape.values("fraudstream_dead_letters_total")} == dead_codes
    assert scrape.total("fraudstream_end_to_end_latency_seconds_count") == VALID
    assert scrape.total("fraudstream_stage_latency_seconds_count", stage="device") == VALID
    assert scrape.values("fraudstream_active_versions_info")[0][0]["ruleset"]
    assert scrape.total("fraudstream_ready") == 1
    topic = f"{prefix}transactions"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        lag = {name: scrape.total(name, topic=topic, partition="0") for name in (
            "fraudstream_acked_offset", "fraudstream_committed_offset", "fraudstream_consumer_lag_messages")}
        if lag == {"fraudstream_acked_offset": sent, "fraudstream_committed_offset": sent,
                   "fraudstream_consumer_lag_messages": 0}:
            return
        time.sleep(0.3)
        scrape = worker.metrics()
    raise AssertionError(f"offsets on {topic}[0] never caught up: {lag}")


def test_streaming_decisions_equal_the_offline_pipeline(engine, kafka_bootstrap, unique_prefix, worker):
    docs = [transaction(i, accounts=8) for i in range(150)]
    asyncio.run(produce(kafka_bootstrap, f"{unique_prefix}transactions", [encode(d) for d in docs]))
    online = values(asyncio.run(consume(kafka_bootstrap, f"{unique_prefix}risk-decisions",
                                        lambda r: len(r) >= len(docs), timeout_s=120)))
    record_traffic("decisions consumed", len(online))
    offline = LocalPipeline(StrategyHolder.from_files(Settings()).current).run(
        [("transactions", *encode(d)) for d in docs]).decisions
    assert len(online) == len(offline) == len(docs)
    assert [strip_timings(d) for d in online] == [strip_timings(d) for d in offline]
