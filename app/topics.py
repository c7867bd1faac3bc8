"""Topic names and their creation. Topics exist before agents start (an agent on a missing topic idles)."""

from __future__ import annotations

from agents.topology import CONTROL, INPUTS, OUTPUTS, STAGES, TopicNames
from app import kafka_io
from app.settings import Settings

__all__ = ["CONTROL", "INPUTS", "OUTPUTS", "STAGES", "TopicNames", "ensure_topics"]

async def ensure_topics(settings: Settings) -> list[str]:
    """Create missing topics (idempotent); returns the names created now.

    Every data topic gets the pipeline's partition count (the state tables are co-partitioned with
    them) and the broker's default retention; the control topic is compacted with one partition so
    every worker reads it in order.
    """
    names = settings.topic_names()
    created = await kafka_io.ensure_topics(settings.bootstrap_servers, names.partitioned(), settings.partitions,
                                          settings.replication_factor, configs={})
    created += await kafka_io.ensure_topics(settings.bootstrap_servers, [names.control], 1,
                                            settings.replication_factor, configs={"cleanup.policy": "compact"})
    return created
