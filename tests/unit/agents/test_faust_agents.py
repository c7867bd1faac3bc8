"""Registered Faust agents, driven through Faust's own test context (no broker, memory tables)."""

import asyncio
import time
from datetime import UTC, datetime

import orjson
import pytest

from agents import envelope
from app.faust_app import build_app
from app.settings import Settings
from tests.unit.risk.features.factories import tx


@pytest.fixture
def app_and_sent(monkeypatch, tmp_path):
    settings = Settings(store="memory://", web_enabled=False, datadir=tmp_path, partitions=1, topic_prefix="ut.")
    app = build_app(settings)
    app.finalize()
    sent: list[tuple[str, bytes, dict]] = []

    async def capture(topic: str, key: bytes, value: bytes, headers=None) -> None:
        sent.append((topic, key, orjson.loads(value)))

    monkeypatch.setattr(app.fraudstream_pipeline.emitter, "send", capture)
    for table in app.tables.values():  # no broker: keep table writes local
        monkeypatch.setattr(table, "_send_changelog", lambda *a, **k: None)
    return app, sent


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
    messages = [(b"dev1", envelope.tx_envelope(tx(n, account_id=f"a{n}").to_dict(), {}, {}, f"s:0:{n}", False, 0))
                for n in (1, 2)]
    drive(app.agents["device-stage"], *messages)
    assert [topic for topic, _, _ in sent] == ["ut.fs-stage-location"] * 2
    assert [body["f"]["device.distinct_accounts_1h"] for _, _, body in sent] == [1, 2]
    assert b"dev1" in app.tables["device-state"]
