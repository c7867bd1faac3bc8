"""A bank-sized ruleset (megabytes of YAML) publishes through the control topic and reads back whole."""

from __future__ import annotations

import asyncio

from app.control.publish import publish, read_state
from app.rulesets import bundle
from app.settings import Settings
from app.topics import ensure_topics


def test_a_ruleset_larger_than_a_kafka_message_publishes_and_reads_back(kafka_bootstrap, unique_prefix):
    settings = Settings(bootstrap_servers=kafka_bootstrap, topic_prefix=unique_prefix, partitions=1,
                        admin_token="large-test-token")
    asyncio.run(ensure_topics(settings))
    body = bundle(settings.ruleset_path) + "\n# " + "padding " * 400_000  # ~3.2 MB, over Kafka's 1 MiB default
    asyncio.run(publish(settings, "ruleset", "big.1", body, "tester"))
    artifacts, pointers = asyncio.run(read_state(settings))
    assert pointers["ruleset"].version == "big.1"
    [artifact] = [a for a in artifacts if a.version == "big.1"]
    assert artifact.body == body
