"""Historical traffic for a backtest, from any source, as the records the streaming agents would read.

Every source ends as one `History`: `(input topic, key, value)` records in delivery order (transactions,
account events and labels interleaved as they reached the bus, so label-fed features see each verdict only
from its confirmation on) plus the ground truth folded from all labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from app.backtest.exceptions import BacktestError
from app.backtest.truth import Truth, truth_from_labels
from app.exceptions import AppError
from app.field_mapping import FieldMapping, load_mapping
from app.replay_sources import ReplayRecord, read_file, read_topic
from sim.config import SimConfig
from sim.engine import simulate
from sim.io import read_jsonl
from sim.records import SimRecord

TRANSACTIONS, EVENTS, LABELS = "transactions", "account-events", "fraud-labels"
SIM_TOPICS = {"transaction": TRANSACTIONS, "account_event": EVENTS, "label": LABELS}
_ENVELOPE = {"kind", "key", "value", "deliver_at_ms"}

Feed = tuple[str, bytes | None, bytes]


@dataclass(frozen=True)
class History:
    records: list[Feed]
    truth: Truth
    source: str  # what was read, for the report

    @property
    def transactions(self) -> int:
        return sum(1 for topic, _, _ in self.records if topic == TRANSACTIONS)


def _labels(records: Iterable[Feed]) -> Truth:
    return truth_from_labels(orjson.loads(value) for topic, _, value in records if topic == LABELS)


def from_sim_records(records: Iterable[SimRecord], source: str) -> History:
    feeds = [(SIM_TOPICS[r.kind], r.key.encode(), orjson.dumps(r.value)) for r in records]
    return History(feeds, _labels(feeds), source)


def from_simulation(config: SimConfig) -> History:
    """A fresh simulated world (deterministic for the config's seed)."""
    source = f"simulate(seed={config.seed}, customers={config.customers}, days={config.days:g}, " \
             f"fraud_rate={config.fraud_rate:g})"
    return from_sim_records(simulate(config), source)


def is_sim_file(path: Path) -> bool:
    """A JSONL file written by `fraudstream simulate --out` (every kind of message in one file)."""
    if path.suffix.lower() not in (".jsonl", ".ndjson", ".json"):
        return False
    with open(path, "rb") as src:
        first = next((line for line in src if line.strip()), b"")
    try:
        row = orjson.loads(first) if first else None
    except orjson.JSONDecodeError:
        return False
    return isinstance(row, dict) and row.keys() >= _ENVELOPE


def _merge(*streams: Iterable[tuple[str, ReplayRecord]]) -> list[Feed]:
    """Merge time-ordered streams by timestamp; on a tie the earlier stream goes first (events before labels)."""
    keyed = [((rec.timestamp_ms, rank), topic, rec) for rank, stream in enumerate(streams) for topic, rec in stream]
    keyed.sort(key=lambda item: item[0])  # stable: each stream keeps its own order on equal times
    return [(topic, rec.key, rec.value) for _, topic, rec in keyed]


def _tagged(topic: str, records: Iterable[ReplayRecord]) -> Iterator[tuple[str, ReplayRecord]]:
    return ((topic, r) for r in records)


LABEL_MAPPING = FieldMapping(keep_unmapped=True, key="transaction_id", timestamp="confirmed_at")


def from_file(path: Path, *, mapping_path: Path | None = None, labels_path: Path | None = None) -> History:
    """A simulator JSONL file (all kinds), or any JSONL/CSV/Parquet export of transactions read through a
    field mapping, with labels from a second file (rows shaped like `schemas.label.Label`)."""
    try:
        if mapping_path is None and is_sim_file(path):
            if labels_path is not None:
                raise BacktestError(f"{path} is a simulator file and holds its labels; drop --labels")
            return from_sim_records(read_jsonl(path), str(path))
        mapping = load_mapping(mapping_path) if mapping_path else None
        streams = [_tagged(TRANSACTIONS, read_file(path, mapping=mapping))]
        if labels_path is not None:
            streams.append(_tagged(LABELS, read_file(labels_path, mapping=LABEL_MAPPING)))
        feeds = _merge(*streams)
    except (AppError, OSError) as err:
        if isinstance(err, BacktestError):
            raise
        raise BacktestError(f"cannot read backtest input {path}: {err}") from err
    source = str(path) + (f" + labels {labels_path}" if labels_path else "")
    return History(feeds, _labels(feeds), source)


async def from_topics(bootstrap: str, prefix: str = "", *, start_ms: int | None = None,
                      end_ms: int | None = None) -> History:
    """The `transactions`, `account-events` and `fraud-labels` topics (with `prefix`) in a time range."""
    streams = []
    for topic in (EVENTS, TRANSACTIONS, LABELS):
        try:
            records = [r async for r in read_topic(bootstrap, prefix + topic, start_ms=start_ms, end_ms=end_ms)]
        except AppError as err:
            if topic == TRANSACTIONS:
                raise BacktestError(f"cannot read {prefix + topic} from {bootstrap}: {err}") from err
            records = []  # no events or no labels yet: still a valid (if less informative) backtest
        streams.append(_tagged(topic, records))
    feeds = _merge(*streams)
    return History(feeds, _labels(feeds), f"kafka {bootstrap} topics {prefix}{{{EVENTS},{TRANSACTIONS},{LABELS}}}")


__all__ = ["EVENTS", "LABELS", "TRANSACTIONS", "Feed", "History", "from_file", "from_sim_records",
           "from_simulation", "from_topics", "is_sim_file"]
