import asyncio
import time
from collections import Counter

import orjson

from app.simulate import publish_records, publish_simulation, topic_names
from sim import SimConfig, SimRecord, simulate
from sim.clock import to_ms
from tests.conftest import record_traffic
from tests.integration.topic_reader import read_all

CONFIG = SimConfig(seed=9, customers=200, days=1.0)


def test_simulation_publishes_every_record_to_its_topic(kafka_bootstrap: str, unique_prefix: str) -> None:
    expected = Counter(r.kind for r in simulate(CONFIG))
    sent = asyncio.run(publish_simulation(CONFIG, kafka_bootstrap, topic_prefix=unique_prefix, partitions=2)).sent
    topics = topic_names(unique_prefix)
    received = {kind: len(asyncio.run(read_all(kafka_bootstrap, topic))) for kind, topic in topics.items()}
    record_traffic("simulated", sum(sent.values()))
    assert received == dict(expected)


def test_message_timestamp_is_the_event_time(kafka_bootstrap: str, unique_prefix: str) -> None:
    records = [r for r in simulate(CONFIG) if r.kind == "transaction"][:50]
    asyncio.run(publish_records(records, kafka_bootstrap, topic_prefix=unique_prefix, partitions=2))
    messages = asyncio.run(read_all(kafka_bootstrap, topic_names(unique_prefix)["transaction"]))
    record_traffic("simulated", len(records))
    assert sorted(m.timestamp for m in messages) == sorted(
        to_ms(orjson.loads(m.value)["event_time"]) for m in messages) == sorted(r.event_time_ms for r in records)


def test_rate_limits_transactions_per_second(kafka_bootstrap: str, unique_prefix: str) -> None:
    template = next(r for r in simulate(CONFIG) if r.kind == "transaction")
    records = [SimRecord("transaction", template.key, template.value, template.event_time_ms + i,
                         template.deliver_at_ms + i) for i in range(21)]
    started = time.monotonic()
    asyncio.run(publish_records(records, kafka_bootstrap, topic_prefix=unique_prefix, rate=50.0, partitions=1))
    record_traffic("simulated", len(records))
    assert time.monotonic() - started >= 0.4
