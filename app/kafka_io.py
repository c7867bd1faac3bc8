"""Small aiokafka helpers shared by the simulator publisher and the replay tool."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, TopicAlreadyExistsError

from app.exceptions import KafkaUnreachableError
from app.settings import env_name

log = structlog.get_logger(__name__)


# Replayed and simulated messages carry past event times as their timestamps; with time-based retention
# the broker would delete them within minutes, so topics these tools create keep data until deleted.
KEEP_FOREVER = {"retention.ms": "-1"}


@dataclass(frozen=True)
class TopicGroup:
    """Topics created alike: partition count, replication and topic configs."""

    names: Sequence[str]
    partitions: int = 3
    replication: int = 1
    configs: Mapping[str, str] = field(default_factory=lambda: dict(KEEP_FOREVER))


async def ensure_topics(bootstrap: str, topics: Iterable[str], partitions: int = 3, replication: int = 1,
                        configs: dict[str, str] | None = None) -> list[str]:
    """Create the topics that do not exist yet (with `configs`, default KEEP_FOREVER); returns those created."""
    group = TopicGroup(list(topics), partitions, replication, KEEP_FOREVER if configs is None else configs)
    return await ensure_topic_groups(bootstrap, [group])


async def ensure_topic_groups(bootstrap: str, groups: Iterable[TopicGroup]) -> list[str]:
    """Create the missing topics of every group through one admin connection: one metadata request and one
    create request (a worker's start asks this before anything else); returns the names created, in order."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        await admin.start()
    except KafkaConnectionError as err:
        raise KafkaUnreachableError(f"cannot reach Kafka at {bootstrap!r}: {err}; check --bootstrap / "
                                    f"{env_name('bootstrap_servers')}") from err
    try:
        existing = set(await admin.list_topics())
        missing = {name: group for group in groups for name in group.names if name not in existing}
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # created concurrently elsewhere: fine
                await admin.create_topics([NewTopic(name, group.partitions, group.replication,
                                                    topic_configs=dict(group.configs))
                                           for name, group in missing.items()])
            log.info("kafka.topics_created", topics=list(missing))
        return list(missing)
    finally:
        await admin.close()


async def topic_partitions(bootstrap: str, topic: str) -> list[int] | None:
    """Partition numbers of an existing topic, or None if it does not exist (never auto-creates it)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        if topic not in await admin.list_topics():
            return None
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    for entry in described:
        if entry.get("topic") == topic and not entry.get("error_code"):
            return sorted(p["partition"] for p in entry.get("partitions", []))
    return None


async def partition_count(bootstrap: str, topic: str) -> int | None:
    """How many partitions an existing topic has, or None if it does not exist."""
    partitions = await topic_partitions(bootstrap, topic)
    return None if partitions is None else len(partitions)


def make_producer(bootstrap: str) -> AIOKafkaProducer:
    """An idempotent producer: retries never reorder or duplicate a key's messages."""
    return AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=5,
                            max_batch_size=256 * 1024)
