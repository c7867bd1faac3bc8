"""Topics the worker creates: input retention is explicit, the control topic is compacted."""

from __future__ import annotations

import asyncio

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from app.settings import Settings
from app.topics import ensure_topics


async def _configs(bootstrap: str, topic: str) -> dict[str, str]:
    """The topic's configs; a topic created a moment ago may describe only part of them, so ask until whole."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        for _ in range(50):
            [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
            [resource] = response.resources
            configs = {entry[0]: entry[1] for entry in resource[4]}
            if "cleanup.policy" in configs and "retention.ms" in configs:
                return configs
            await asyncio.sleep(0.2)
    finally:
        await admin.close()
    return configs


def test_input_topics_get_the_configured_retention_and_the_control_topic_is_compacted(kafka_bootstrap,
                                                                                       unique_prefix):
    settings = Settings(bootstrap_servers=kafka_bootstrap, topic_prefix=unique_prefix, partitions=2,
                        input_retention_hours=5)
    created = asyncio.run(ensure_topics(settings))
    assert f"{unique_prefix}transactions" in created
    for name in ("transactions", "account-events", "fraud-labels"):
        assert asyncio.run(_configs(kafka_bootstrap, f"{unique_prefix}{name}"))["retention.ms"] == str(5 * 3_600_000)
    assert asyncio.run(_configs(kafka_bootstrap, f"{unique_prefix}fraudstream-control"))["cleanup.policy"] == "compact"
