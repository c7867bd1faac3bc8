"""The stage chain, described once with no framework in it: each stage's input topics, state table, and
whether it may take batches. The Faust agents, the Quix Streams dataframes and `LocalPipeline` are all built
from `stage_specs` and `agents.pipeline.build_stages`, so the three cannot drift apart.

```
transactions ─┐
account-events┼─► account ─► device ─► location ─► counterparty ─► score (batched layout) ─► outputs
fs-stage-rekey┘   (account)   (device)  (cell)      (payee)          (first decisions, by account)
fraud-labels ──► label-router ──► device / location / counterparty (label-fed state)
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

INPUTS = ("transactions", "account-events", "fraud-labels")
OUTPUTS = ("risk-decisions", "risk-alerts", "block-commands", "dead-letter")
STAGES = ("fs-stage-rekey", "fs-stage-device", "fs-stage-location", "fs-stage-counterparty", "fs-stage-score")
CONTROL = "fraudstream-control"

ScoreLayout = Literal["batched", "inline"]
ENTITY_CHAIN = ("account", "device", "location", "counterparty")  # state tables, in the order a transaction visits
DECIDED = "decided"  # the score stage's table: each transaction's first decision (agents/first_decision.py)
STATE_TABLES = (*ENTITY_CHAIN, DECIDED)


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

    def partitioned(self) -> list[str]:
        """Every topic with the pipeline's partition count (co-partitioned with the state tables)."""
        return [self.transactions, self.account_events, self.fraud_labels, self.decisions, self.alerts,
                self.blocks, self.dead_letter, self.rekey, self.device_stage, self.location_stage,
                self.counterparty_stage, self.score_stage]

    def inputs(self) -> list[str]:
        """The topics producers outside the pipeline write to: their retention bounds what a long outage keeps."""
        return [self.transactions, self.account_events, self.fraud_labels]

    def entity_topic(self, entity: str) -> str:
        """The topic a stage reads transactions for `entity` from (keyed by that entity)."""
        return {"device": self.device_stage, "location": self.location_stage,
                "counterparty": self.counterparty_stage}[entity]


@dataclass(frozen=True)
class StageSpec:
    """One stage: `inputs` are read together; `table` is the entity state it owns (None: stateless)."""

    name: str
    inputs: tuple[str, ...]
    table: str | None
    batched: bool = False


def stage_specs(names: TopicNames, score_layout: ScoreLayout) -> tuple[StageSpec, ...]:
    stages = [StageSpec("account-stage", (names.transactions, names.account_events, names.rekey), "account")]
    stages += [StageSpec(f"{entity}-stage", (names.entity_topic(entity),), entity) for entity in ENTITY_CHAIN[1:]]
    if score_layout == "batched":  # takes batches; its one table write per transaction names its event (Faust)
        stages.append(StageSpec("score-stage", (names.score_stage,), DECIDED, batched=True))
    stages.append(StageSpec("label-router", (names.fraud_labels,), None))
    return tuple(stages)
