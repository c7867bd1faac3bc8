"""Topic names and their creation. Topics exist before agents start (an agent on a missing topic idles)."""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from app.settings import Settings

log = structlog.get_logger(__name__)

INPUTS = ("transactions", "account-events", "fraud-labels")
OUTPUTS = ("risk-decisions", "risk-alerts", "block-commands", "dead-letter")
STAGES = ("fs-stage-rekey", "fs-stage-device", "fs-stage-location", "fs-stage-counterparty")
CONTROL = "fraudstream-control"


@dataclass(frozen=True)
class TopicNames:
    transactions: str
    account_events: str
    fraud_labels: str
    decisions: str
    alerts: str
    blocks: str
    dead_letter: str
    rekey: str
    device_stage: str
    location_stage: str
    counterparty_stage: str
    control: str

    @classmethod
    def from_settings(cls, settings: Settings) -> TopicNames:
        names = [settings.topic(name) for name in (*INPUTS, *OUTPUTS, *STAGES, CONTROL)]
        return cls(*names)

    def partitioned(self) -> list[str]:
        """Every topic with the pipeline's partition count (co-partitioned with the state tables)."""
        return [self.transactions, self.account_events, self.fraud_labels, self.decisions, self.alerts,
                self.blocks, self.dead_letter, self.rekey, self.device_stage, self.location_stage,
                self.counterparty_stage]


async def ensure_topics(settings: Settings) -> list[str]:
    """Create missing topics (idempotent); returns the names created now."""
    names = TopicNames.from_settings(settings)
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [NewTopic(name, settings.partitions, settings.replication_factor)
                  for name in names.partitioned() if name not in existing]
        if names.control not in existing:
            wanted.append(NewTopic(names.control, 1, settings.replication_factor,
                                   topic_configs={"cleanup.policy": "compact"}))
        for topic in wanted:
            try:
                await admin.create_topics([topic])
            except TopicAlreadyExistsError:
                continue
        created = [topic.name for topic in wanted]
        if created:
            log.info("topics.created", topics=created)
        return created
    finally:
        await admin.close()
