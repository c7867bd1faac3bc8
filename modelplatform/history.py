"""Training history from the pipeline itself: run input through the streaming handlers, record.

What a bank has to train on is its recorded decisions (each with the feature snapshot the agents computed
at decision time) and the labels that arrived later. This module makes exactly that from any stream of
input records (a simulation, or a bank's export read by `app.history_input`): the records go, in delivery
order, through `agents.local.LocalPipeline` (the agents' own handlers), so features are the online ones
(invariant 5) and labels feed the label-fed risk state at their confirmation time, as they would live.
Labels are written with `confirmed_at`, so any reader can join them "as known at a cut-off"
(`modelplatform.dataset`).

Decisions are written as they are emitted (the feature snapshots of a month of traffic do not need to sit
in memory), without `timings_ms`: wall-clock measurements would make the file differ run to run. The
strategy comes in as `StrategySources` built at the entry point (`app.model_history`): nothing here reads
settings or files of its own.
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
from modelplatform.exceptions import DatasetError
from modelplatform.records import to_ms
from risk.responses import parse_response_plan
from risk.strategy import StrategySources, build_strategy
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
    """What a history directory holds and how it was made (enough to regenerate it). `source` names the
    input (a simulation's parameters, or the files read); `seed` and `customers` only exist for a simulation."""

    seed: int | None
    customers: int | None
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
    source: str = ""

    def describe(self) -> str:
        """One line for a model card: where the history came from."""
        return self.source or f"simulate(seed={self.seed}, customers={self.customers}, days={self.days:g})"

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


Feed = tuple[str, bytes | None, bytes]


@dataclass(frozen=True)
class Origin:
    """Where recorded input came from; a simulation knows its span, a file's is measured as it streams."""

    source: str
    seed: int | None = None
    customers: int | None = None
    start_ms: int | None = None
    end_ms: int | None = None


def as_input(record: SimRecord) -> Feed:
    """A simulator record as the (topic, key, value) the agents read."""
    return INPUT_TOPICS[record.kind], record.key.encode(), orjson.dumps(record.value)


def _batches(records: Iterable[Feed], size: int) -> Iterator[list[Feed]]:
    batch: list[Feed] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _clean(decision: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in decision.items() if k not in _DROPPED_FIELDS}


def _record(feeds: Iterable[Feed], sources: StrategySources, paths: HistoryPaths, origin: Origin) -> HistoryMeta:
    strategy = build_strategy(sources)
    plan = parse_response_plan(sources.responses)
    pipeline = LocalPipeline(lambda: (strategy, plan))
    counts = {"transaction": 0, "label": 0, "fraud": 0, "decisions": 0, "dead": 0}
    first, last = None, None
    with paths.decisions.open("wb") as decisions_out, paths.labels.open("wb") as labels_out:
        for batch in _batches(feeds, _BATCH):
            for topic, _, value in batch:
                if topic == INPUT_TOPICS["transaction"]:
                    counts["transaction"] += 1
                elif topic == INPUT_TOPICS["label"]:
                    label = orjson.loads(value)
                    counts["label"] += 1
                    counts["fraud"] += bool(label.get("is_fraud"))
                    labels_out.write(value + b"\n")
            collected = pipeline.run(batch)
            for decision in collected.decisions:
                decisions_out.write(orjson.dumps(_clean(decision)) + b"\n")
                moment = to_ms(decision["event_time"], what="decision.event_time")
                first = moment if first is None else min(first, moment)
                last = moment if last is None else max(last, moment)
            counts["decisions"] += len(collected.decisions)
            counts["dead"] += len(collected.dead_letters)
            for bucket in (collected.decisions, collected.alerts, collected.blocks, collected.dead_letters):
                bucket.clear()
    start = origin.start_ms if origin.start_ms is not None else (first or 0)
    end = origin.end_ms if origin.end_ms is not None else (last + 1 if last is not None else start + 1)
    versions = strategy.versions
    return HistoryMeta(
        seed=origin.seed, customers=origin.customers, days=(end - start) / DAY_MS, start_ms=start, end_ms=end,
        transactions=counts["transaction"], decisions=counts["decisions"], labels=counts["label"],
        fraud_labels=counts["fraud"], dead_letters=counts["dead"], ruleset_version=versions.ruleset,
        model_version=versions.model, challenger_version=versions.challenger, source=origin.source)


def record_history(feeds: Iterable[Feed], out: Path, *, sources: StrategySources, origin: Origin) -> HistoryMeta:
    """Decide every record of `feeds` with `sources` and write decisions, labels and meta.json under `out`.

    Every transaction must get exactly one decision; a shortfall means the pipeline dropped input and the
    history would silently under-count, so it raises instead.
    """
    out.mkdir(parents=True, exist_ok=True)
    paths = HistoryPaths(out)
    meta = _record(feeds, sources, paths, origin)
    if meta.decisions != meta.transactions:
        msg = (f"{meta.transactions} transactions but {meta.decisions} decisions "
               f"({meta.dead_letters} dead letters): the history would be incomplete")
        raise DatasetError(msg)
    if meta.transactions == 0:
        msg = f"no transactions in {origin.source}: nothing to record"
        raise DatasetError(msg)
    paths.meta.write_text(meta.to_json(), encoding="utf-8")
    log.info("history.recorded", out=str(out), source=meta.source, transactions=meta.transactions,
             labels=meta.labels, fraud_labels=meta.fraud_labels, ruleset=meta.ruleset_version,
             model=meta.model_version)
    return meta


def record_simulation(config: SimConfig, out: Path, *, sources: StrategySources) -> HistoryMeta:
    """Simulate `config` and record it (deterministic for the config's seed)."""
    origin = Origin(source=f"simulate(world={config.world}, seed={config.seed}, customers={config.customers}, "
                           f"days={config.days:g}, fraud_rate={config.fraud_rate:g})",
                    seed=config.seed, customers=config.customers, start_ms=config.start_ms, end_ms=config.end_ms)
    return record_history((as_input(r) for r in simulate(config)), out, sources=sources, origin=origin)


def day_ms(meta: HistoryMeta, day: float) -> int:
    """Epoch ms of `day` days after the history's start."""
    return meta.start_ms + int(day * DAY_MS)
