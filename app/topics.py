"""Topic names and their creation. Topics exist before agents start (an agent on a missing topic idles)."""

from __future__ import annotations

from dataclasses import dataclass

from app import kafka_io
from app.settings import Settings

INPUTS = ("transactions", "account-events", "fraud-labels")
OUTPUTS = ("risk-decisions", "risk-alerts", "block-commands", "dead-letter")
STAGES = ("fs-stage-rekey", "fs-stage-device", "fs-stage-location", "fs-stage-counterparty", "fs-stage-score")
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
    score_stage: str
    control: str

    @classmethod
    def with_prefix(cls, prefix: str) -> TopicNames:
        return cls(*(f"{prefix}{name}" for name in (*INPUTS, *OUTPUTS, *STAGES, CONTROL)))

    @classmethod
    def from_settings(cls, settings: Settings) -> TopicNames:
        return cls.with_prefix(settings.topic_prefix)

    def partitioned(self) -> list[str]:
        """Every topic with the pipeline's partition count (co-partitioned with the state tables)."""
        return [self.transactions, self.account_events, self.fraud_labels, self.decisions, self.alerts,
                self.blocks, self.dead_letter, self.rekey, self.device_stage, self.location_stage,
                self.counterparty_stage, self.score_stage]


async def ensure_topics(settings: Settings) -> list[str]:
    """Create missing topics (idempotent); returns the names created now.

    Every data topic gets the pipeline's partition count (the state tables are co-partitioned with
    them) and the broker's default retention; the control topic is compacted with one partition so
    every worker reads it in order.
    """
    names = TopicNames.from_settings(settings)
    created = await kafka_io.ensure_topics(settings.bootstrap_servers, names.partitioned(), settings.partitions,
                                          settings.replication_factor, configs={})
    created += await kafka_io.ensure_topics(settings.bootstrap_servers, [names.control], 1,
                                            settings.replication_factor, configs={"cleanup.policy": "compact"})
    return created
