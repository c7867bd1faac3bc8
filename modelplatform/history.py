"""Training history from the pipeline itself: simulate, run through the streaming handlers, record.

What a bank has to train on is its recorded decisions (each with the feature snapshot the agents computed
at decision time) and the labels that arrived later. This module makes exactly that from the simulator:
the simulated records go, in delivery order, through `agents.local.LocalPipeline` (the agents' own
handlers), so features are the online ones (invariant 5) and labels feed the label-fed risk state at
their confirmation time, as they would live. Labels are written with `confirmed_at`, so any reader can
join them "as known at a cut-off" (`modelplatform.dataset`).

Decisions are written as they are emitted (the feature snapshots of a month of traffic do not need to sit
in memory), without `timings_ms`: wall-clock measurements would make the file differ run to run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson
import structlog

from agents.local import LocalPipeline
from app.control.holder import StrategyHolder
from app.settings import Settings
from modelplatform.exceptions import DatasetError
from risk.strategy import StrategySources
from sim.config import DAY_MS, SimConfig
from sim.engine import simulate
from sim.records import SimRecord

log = structlog.get_logger(__name__)

DECISIONS_FILE = "decisions.jsonl"
LABELS_FILE = "labels.jsonl"
META_FILE = "meta.json"
INPUT_TOPICS = {"transaction": "transactions", "account_event": "account-events", "label": "fraud-labels"}
_BATCH = 2_000  # records fed between two flushes of the collected decisions
_DROPPED_FIELDS = ("timings_ms",)


@dataclass(frozen=True)
class HistoryMeta:
    """What a history directory holds and how it was made (enough to regenerate it)."""

    seed: int
    customers: int
    days: float
    start_ms: int
    end_ms: int
    transactions: int
    decisions: int
    labels: int
    fraud_labels: int
    dead_letters: int
    ruleset_version: str | None
    model_version: str | None
    challenger_version: str | None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> HistoryMeta:
        return cls(**json.loads(text))


@dataclass(frozen=True)
class HistoryPaths:
    root: Path

    @property
    def decisions(self) -> Path:
        return self.root / DECISIONS_FILE

    @property
    def labels(self) -> Path:
        return self.root / LABELS_FILE

    @property
    def meta(self) -> Path:
        return self.root / META_FILE

    def read_meta(self) -> HistoryMeta:
        if not self.meta.exists():
            msg = f"{self.root} is not a history directory (no {META_FILE}); make one with `fraudstream model history`"
            raise DatasetError(msg)
        return HistoryMeta.from_json(self.meta.read_text(encoding="utf-8"))


def shipped_sources(settings: Settings | None = None, *, champion: str | None = None,
                    challenger: str | None = None) -> StrategySources:
    """The shipped ruleset, policy and responses (what a worker serves before any control record), plus
    optional model artifact texts."""
    base = StrategyHolder.from_files(settings or Settings()).sources
    return StrategySources(ruleset=base.ruleset, policy=base.policy, responses=base.responses,
                           ruleset_source=base.ruleset_source, champion=champion, challenger=challenger)


def as_input(record: SimRecord) -> tuple[str, bytes, bytes]:
    """A simulator record as the (topic, key, value) the agents read."""
    return INPUT_TOPICS[record.kind], record.key.encode(), orjson.dumps(record.value)


def _batches(records: Iterable[SimRecord], size: int) -> Iterator[list[SimRecord]]:
    batch: list[SimRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _clean(decision: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in decision.items() if k not in _DROPPED_FIELDS}


def _record(config: SimConfig, sources: StrategySources, paths: HistoryPaths) -> HistoryMeta:
    holder = StrategyHolder(sources)
    pipeline = LocalPipeline(holder.current)
    counts = {"transaction": 0, "label": 0, "fraud": 0, "decisions": 0, "dead": 0}
    with paths.decisions.open("wb") as decisions_out, paths.labels.open("wb") as labels_out:
        for batch in _batches(simulate(config), _BATCH):
            for record in batch:
                if record.kind == "transaction":
                    counts["transaction"] += 1
                elif record.kind == "label":
                    counts["label"] += 1
                    counts["fraud"] += bool(record.value.get("is_fraud"))
                    labels_out.write(orjson.dumps(record.value) + b"\n")
            collected = pipeline.run(as_input(r) for r in batch)
            for decision in collected.decisions:
                decisions_out.write(orjson.dumps(_clean(decision)) + b"\n")
            counts["decisions"] += len(collected.decisions)
            counts["dead"] += len(collected.dead_letters)
            collected.decisions.clear()
            collected.alerts.clear()
            collected.blocks.clear()
    versions = holder.versions_dict()
    return HistoryMeta(
        seed=config.seed, customers=config.customers, days=config.days, start_ms=config.start_ms,
        end_ms=config.end_ms, transactions=counts["transaction"], decisions=counts["decisions"],
        labels=counts["label"], fraud_labels=counts["fraud"], dead_letters=counts["dead"],
        ruleset_version=versions["ruleset"], model_version=versions["model"],
        challenger_version=versions["challenger"])


def record_history(config: SimConfig, out: Path, *, sources: StrategySources | None = None) -> HistoryMeta:
    """Simulate `config`, decide every transaction with `sources` (default: shipped rules, no model) and
    write decisions, labels and meta.json under `out`.

    Every transaction must get exactly one decision; a shortfall means the pipeline dropped input and the
    history would silently under-count, so it raises instead.
    """
    out.mkdir(parents=True, exist_ok=True)
    paths = HistoryPaths(out)
    meta = _record(config, sources or shipped_sources(), paths)
    if meta.decisions != meta.transactions:
        msg = (f"{meta.transactions} transactions but {meta.decisions} decisions "
               f"({meta.dead_letters} dead letters): the history would be incomplete")
        raise DatasetError(msg)
    paths.meta.write_text(meta.to_json(), encoding="utf-8")
    log.info("history.recorded", out=str(out), transactions=meta.transactions, labels=meta.labels,
             fraud_labels=meta.fraud_labels, ruleset=meta.ruleset_version, model=meta.model_version)
    return meta


def day_ms(meta: HistoryMeta, day: float) -> int:
    """Epoch ms of `day` days after the history's start."""
    return meta.start_ms + int(day * DAY_MS)
