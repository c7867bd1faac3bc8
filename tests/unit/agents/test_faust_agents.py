"""Registered Faust agents, driven through Faust's own test context (no broker, memory tables)."""

import asyncio
import time
from datetime import UTC, datetime

import orjson
import pytest
from aiokafka.errors import MessageSizeTooLargeError

from agents import envelope
from app.faust_app import build_app
from app.settings import Settings
from tests.unit.risk.features.factories import tx


def _app_and_sent(monkeypatch, tmp_path, **overrides):
    settings = Settings(store="memory://", web_enabled=False, datadir=tmp_path, partitions=1, topic_prefix="ut.",
                        **overrides)
    app = build_app(settings)
    app.finalize()
    sent: list[tuple[str, bytes, dict]] = []

    async def capture(topic: str, key: bytes, value: bytes, headers=None) -> asyncio.Future:
        sent.append((topic, key, orjson.loads(value)))
        delivered = asyncio.get_running_loop().create_future()
        delivered.set_result(None)
        return delivered

    monkeypatch.setattr(app.fraudstream_pipeline.emitter, "send", capture)
    for table in app.tables.values():  # no broker: keep table writes local
        monkeypatch.setattr(table, "_send_changelog", lambda *a, **k: None)
    return app, sent


@pytest.fixture
def app_and_sent(monkeypatch, tmp_path):
    return _app_and_sent(monkeypatch, tmp_path)


def drive(agent, *messages: tuple[bytes, bytes]) -> None:
    async def run() -> None:
        async with agent.test_context() as wrapped:
            for key, value in messages:
                await wrapped.put(value, key=key)

    asyncio.run(run())


def test_label_router_routes_valid_labels_and_dead_letters_bad_ones(app_and_sent):
    app, sent = app_and_sent
    confirmed = datetime.fromtimestamp(time.time() - 60, tz=UTC).isoformat()
    label = orjson.dumps({"transaction_id": "t1", "is_fraud": True, "source": "analyst", "confirmed_at": confirmed,
                          "device_id": "dev1", "counterparty_id": "payee1"})
    drive(app.agents["label-router"], (b"t1", label), (b"t2", b'{"transaction_id": "t2"}'))
    assert [(topic, key) for topic, key, _ in sent] == [
        ("ut.fs-stage-device", b"dev1"), ("ut.fs-stage-counterparty", b"payee1"), ("ut.dead-letter", b"t2")]
    assert sent[2][2]["error"]["code"] == "missing_field"


def test_device_stage_keeps_state_in_its_table_and_forwards(app_and_sent):
    app, sent = app_and_sent
    messages = [(b"dev1", envelope.encode(envelope.tx_envelope(
        tx(n, account_id=f"a{n}").to_dict(), {}, {}, f"s:0:{n}", False, 0)))
                for n in (1, 2)]
    drive(app.agents["device-stage"], *messages)
    assert [topic for topic, _, _ in sent] == ["ut.fs-stage-location"] * 2
    assert [body["f"]["device.distinct_accounts_1h"] for _, _, body in sent] == [1, 2]
    assert b"dev1" in app.tables["device-state"]


def test_counterparty_stage_sends_the_snapshot_on_to_the_score_stage_keyed_by_account(app_and_sent):
    app, sent = app_and_sent
    message = envelope.encode(envelope.tx_envelope(tx(1, account_id="a1").to_dict(), {}, {}, "s:0:1", False, 0))
    drive(app.agents["counterparty-stage"], (b"payee1", message))
    assert [(topic, key) for topic, key, _ in sent] == [("ut.fs-stage-score", b"a1")]
    assert "counterparty.tx_count_1h" in sent[0][2]["f"]


def test_score_stage_takes_a_batch_and_decides_each_transaction_in_order(app_and_sent):
    app, sent = app_and_sent
    messages = [(f"a{n}".encode(), envelope.encode(envelope.tx_envelope(
        tx(n, account_id=f"a{n}").to_dict(), {"tx.amount": 10.0 * n}, {}, f"s:0:{n}", False, 0))) for n in range(1, 6)]
    drive(app.agents["score-stage"], *messages)
    decisions = [(key, body) for topic, key, body in sent if topic == "ut.risk-decisions"]
    assert [key for key, _ in decisions] == [b"a1", b"a2", b"a3", b"a4", b"a5"]
    assert [body["transaction_id"] for _, body in decisions] == [tx(n).transaction_id for n in range(1, 6)]
    counts = app.fraudstream_pipeline.counters.counts
    assert counts["score.rows"] == 5 and 1 <= counts["score.batches"] <= 5


def test_inline_scoring_decides_in_the_counterparty_stage_without_the_score_hop(monkeypatch, tmp_path):
    app, sent = _app_and_sent(monkeypatch, tmp_path, score_stage="inline")
    message = envelope.encode(envelope.tx_envelope(tx(1, account_id="a1").to_dict(), {}, {}, "s:0:1", False, 0))
    drive(app.agents["counterparty-stage"], (b"payee1", message))
    assert [(topic, key) for topic, key, _ in sent if topic != "ut.risk-alerts"] == [("ut.risk-decisions", b"a1")]
    assert sent[0][2]["transaction_id"] == tx(1).transaction_id


def test_a_refused_output_parks_the_partition_and_its_next_events_wait(monkeypatch, tmp_path):
    app, _ = _app_and_sent(monkeypatch, tmp_path)
    sent: list[bytes] = []

    async def refuse(topic: str, key: bytes, value: bytes, headers=None) -> asyncio.Future:
        sent.append(key)
        refused = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_soon(refused.set_exception, MessageSizeTooLargeError())
        return refused

    monkeypatch.setattr(app.fraudstream_pipeline.emitter, "send", refuse)
    messages = [(f"a{n}".encode(), envelope.encode(envelope.tx_envelope(
        tx(n, account_id=f"a{n}").to_dict(), {}, {}, f"s:0:{n}", False, 0))) for n in (1, 2)]

    async def run() -> None:
        async with app.agents["score-stage"].test_context() as wrapped:
            await wrapped.put(messages[0][1], key=messages[0][0])
            await asyncio.sleep(0.05)  # the broker's answer
            await wrapped.put(messages[1][1], key=messages[1][0])

    asyncio.run(run())
    [parked] = app.fraudstream_parking.snapshot()
    assert (parked.topic, parked.offset, parked.code) == ("ut.fs-stage-score", 0, "MessageSizeTooLargeError")
    assert sent == [b"a1"]  # a2, behind it on the parked partition, waits for its retry


def test_outputs_go_to_the_running_producer_as_bytes_partitioned_by_key(tmp_path):
    """No Faust topic in between: the producer's own partitioner places the key, as a topic's send would."""
    app = build_app(Settings(store="memory://", web_enabled=False, datadir=tmp_path, partitions=1, topic_prefix="ut."))
    sent = []

    class Producer:
        started = True

        async def send(self, topic, key, value, partition, timestamp, headers):
            sent.append((topic, key, value, partition, timestamp, headers))
            return "delivery future"

    app._producer = Producer()
    future = asyncio.run(app.fraudstream_pipeline.emitter.send("ut.decisions", b"acc1", b"{}", {"h": b"1"}))
    assert future == "delivery future"
    assert sent == [("ut.decisions", b"acc1", b"{}", None, None, {"h": b"1"})]


def test_a_handler_that_raises_parks_its_partition_instead_of_ending_the_agent(monkeypatch, tmp_path):
    """Faust would end the agent and ack the event on its way out: committed, never decided. Parked, the input
    is held unacked (the guard refused it) and read again at the retry."""
    from faust.exceptions import PartitionsMismatch

    app, sent = _app_and_sent(monkeypatch, tmp_path)
    table = app.tables["device-state"]
    writes = []

    def refuse_first_write(key, value):
        writes.append(key)
        if len(writes) == 1:
            raise PartitionsMismatch("the changelog topic has 3 partitions, its source 2")
        table.data[key] = value

    monkeypatch.setattr(type(table), "__setitem__", lambda self, key, value: refuse_first_write(key, value))
    messages = [(b"dev1", envelope.encode(envelope.tx_envelope(
        tx(n, account_id=f"a{n}").to_dict(), {}, {}, f"s:0:{n}", False, 0))) for n in (1, 2)]
    drive(app.agents["device-stage"], *messages)
    [parked] = app.fraudstream_parking.snapshot()
    assert (parked.topic, parked.offset, parked.code) == ("ut.fs-stage-device", 0, "PartitionsMismatch")
    assert sent == []  # the failed input's outputs are dropped, and the event behind it waits for the retry
