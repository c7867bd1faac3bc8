"""`publish_records` against a fake producer: a live run never sends a message stamped in the future."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable

import pytest
from aiokafka.errors import InvalidTimestampError

import app.simulate as simulate_mod
from app.simulate import publish_records, topic_names
from sim import SimConfig, SimRecord, simulate
from sim.config import DAY_MS

NOW_MS = 1_780_000_000_000


class _Producer:
    """Stands in for the broker: refuses future timestamps like Kafka does (with a skew of 0 here)."""

    def __init__(self) -> None:
        self.stamps: list[tuple[str, int]] = []
        self.now_s: Callable[[], float] = time.time

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def flush(self) -> None: ...

    async def send(self, topic: str, value: bytes, *, key: bytes, timestamp_ms: int) -> asyncio.Future[None]:
        if timestamp_ms > self.now_s() * 1000:
            raise InvalidTimestampError(f"{topic}: timestamp {timestamp_ms} is after now")
        self.stamps.append((topic, timestamp_ms))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


@pytest.fixture
def producer(monkeypatch: pytest.MonkeyPatch) -> _Producer:
    fake = _Producer()

    async def no_topics(bootstrap: str, topics: Iterable[str], partitions: int) -> list[str]:
        return []

    monkeypatch.setattr(simulate_mod, "ensure_topics", no_topics)
    monkeypatch.setattr(simulate_mod, "make_producer", lambda bootstrap: fake)
    return fake


def test_live_run_holds_back_labels_confirmed_after_now(producer: _Producer) -> None:
    config = SimConfig(seed=4, customers=60, days=1.0, start_ms=NOW_MS - DAY_MS, fraud_rate=0.05)
    records = list(simulate(config))
    future = [r for r in records if r.deliver_at_ms > NOW_MS]
    assert future and {r.kind for r in future} == {"label"}  # the run ends now; some verdicts come later

    producer.now_s = lambda: NOW_MS / 1000
    result = asyncio.run(publish_records(records, "fake:9092", clock=producer.now_s))

    topics = topic_names()
    assert max(ms for _, ms in producer.stamps) <= NOW_MS
    assert result.sent == {t: sum(r.deliver_at_ms <= NOW_MS for r in records if topics[r.kind] == t)
                           for t in topics.values()}
    assert result.held_back == {t: sum(topics[r.kind] == t for r in future) for t in topics.values()}
    assert len(producer.stamps) == len(records) - len(future)


def test_a_label_confirmed_tomorrow_is_held_back_by_the_wall_clock(producer: _Producer) -> None:
    now_ms = int(time.time() * 1000)
    tx = SimRecord("transaction", "A1", {"transaction_id": "T1"}, now_ms - DAY_MS, now_ms - DAY_MS)
    label = SimRecord("label", "T1", {"transaction_id": "T1"}, now_ms - DAY_MS, now_ms + DAY_MS)
    result = asyncio.run(publish_records([tx, label], "fake:9092"))
    assert (result.sent["transactions"], result.held_back["fraud-labels"]) == (1, 1)
