"""Topic names and their creation. Topics exist before agents start (an agent on a missing topic idles)."""

from __future__ import annotations

from agents.topology import CONTROL, INPUTS, OUTPUTS, STAGES, TopicNames
from app import kafka_io
from app.settings import Settings

__all__ = ["CONTROL", "INPUTS", "OUTPUTS", "STAGES", "TopicNames", "ensure_topics"]

async def ensure_topics(settings: Settings) -> list[str]:
    """Create missing topics (idempotent); returns the names created now.

    Every data topic gets the pipeline's partition count (the state tables are co-partitioned with
    them). Input topics get an explicit retention (`FRAUDSTREAM_INPUT_RETENTION_HOURS`): it bounds how long
    workers may be down before undecided input ages out, so it is a decision, not the broker's default.
    Stage and output topics keep the broker's default; the control topic is compacted with one partition
    so every worker reads it in order.
    """
    names = settings.topic_names()
    retention = {"retention.ms": str(settings.input_retention_hours * 3_600_000)}
    internal = [name for name in names.partitioned() if name not in names.inputs()]
    control = {"cleanup.policy": "compact", "max.message.bytes": str(settings.control_max_record_bytes)}
    return await kafka_io.ensure_topic_groups(settings.bootstrap_servers, [
        kafka_io.TopicGroup(names.inputs(), settings.partitions, settings.replication_factor, retention),
        kafka_io.TopicGroup(internal, settings.partitions, settings.replication_factor, {}),
        kafka_io.TopicGroup([names.control], 1, settings.replication_factor, control),
    ])
