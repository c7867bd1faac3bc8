"""A history file as the records the streaming agents read, streamed: the input of backtest and `model history`.

Either a simulator JSONL file (every kind of message, in delivery order) or a foreign export of
transactions read through a field mapping, with an optional labels file. The transactions are streamed
in file order (an export should be sorted by event time, as core systems write them); the labels are
sorted by confirmation time in memory (they are few next to the transactions) and merged in, so
label-fed features see each verdict only from its confirmation on. Rejected rows are counted per code and
more than `max_reject_share` of them fails the run (`app.row_import`).
"""

from __future__ import annotations

import heapq
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from app.field_mapping import LABEL_IDENTITY, FieldMapping
from app.replay_sources import ReplayRecord, count_file_rows, read_file
from app.row_import import DEFAULT_MAX_REJECT_SHARE, RejectTally
from risk.validation import Checked
from sim.io import read_jsonl
from sim.records import SimRecord

TRANSACTIONS, EVENTS, LABELS = "transactions", "account-events", "fraud-labels"
SIM_TOPICS = {"transaction": TRANSACTIONS, "account_event": EVENTS, "label": LABELS}
_ENVELOPE = {"kind", "key", "value", "deliver_at_ms"}

Feed = tuple[str, bytes | None, bytes]


def sim_feed(record: SimRecord) -> Feed:
    """A simulator record as the (topic, key, value) the agents read."""
    return SIM_TOPICS[record.kind], record.key.encode(), orjson.dumps(record.value)


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


def merge(*streams: Iterable[tuple[str, ReplayRecord]]) -> Iterator[Feed]:
    """Merge time-ordered streams lazily by timestamp; on a tie the earlier stream goes first."""
    lanes = [_ranked(rank, stream) for rank, stream in enumerate(streams)]
    for _, topic, rec in heapq.merge(*lanes, key=lambda item: item[0]):
        yield topic, rec.key, rec.value


async def merge_async(*streams: AsyncIterator[tuple[str, ReplayRecord]]) -> AsyncIterator[Feed]:
    """`merge` for streams read as they arrive (Kafka topics): one record ahead per stream is held."""
    heads: list[tuple[tuple[int, int, int], str, ReplayRecord]] = []
    seqs = [0] * len(streams)

    async def pull(rank: int) -> None:
        item = await anext(streams[rank], None)
        if item is not None:
            topic, rec = item
            heapq.heappush(heads, ((rec.timestamp_ms, rank, seqs[rank]), topic, rec))
            seqs[rank] += 1

    for rank in range(len(streams)):
        await pull(rank)
    while heads:
        (_, rank, _), topic, rec = heapq.heappop(heads)
        yield topic, rec.key, rec.value
        await pull(rank)


def _ranked(rank: int, stream: Iterable[tuple[str, ReplayRecord]]) -> Iterator[tuple[tuple[int, int, int], str, Any]]:
    for seq, (topic, rec) in enumerate(stream):
        yield (rec.timestamp_ms, rank, seq), topic, rec


def _checked(record: ReplayRecord) -> ReplayRecord:
    """A transaction the import validated carries its message to the pipeline, which then need not parse and
    validate the same bytes again (`risk.validation.Checked`)."""
    if record.message is None:
        return record
    return ReplayRecord(record.key, Checked.of(record.value, record.message), record.timestamp_ms)


@dataclass(frozen=True)
class FileInput:
    """A history file and how to read it; `feeds()` starts a fresh pass (a backtest makes one per ruleset)."""

    path: Path
    mapping: FieldMapping | None = None
    labels_path: Path | None = None
    max_reject_share: float = DEFAULT_MAX_REJECT_SHARE

    @property
    def source(self) -> str:
        return str(self.path) + (f" + labels {self.labels_path}" if self.labels_path else "")

    @property
    def is_sim(self) -> bool:
        return self.mapping is None and is_sim_file(self.path)

    @property
    def label_mapping(self) -> FieldMapping:
        if self.mapping is not None and self.mapping.labels is not None:
            return self.mapping.labels
        return LABEL_IDENTITY.with_timezone(self.mapping.timezone if self.mapping else None)

    def expected_records(self) -> int | None:
        """Cheap total for a progress bar (rows of both files)."""
        counts = [count_file_rows(p) for p in (self.path, self.labels_path) if p is not None]
        return None if None in counts else sum(c for c in counts if c is not None)

    def feeds(self) -> Iterator[Feed]:
        if self.is_sim:
            return (sim_feed(r) for r in read_jsonl(self.path))
        tally = RejectTally(f"transactions {self.path}", self.max_reject_share, count_file_rows(self.path))
        streams: list[Iterable[tuple[str, ReplayRecord]]] = [
            ((TRANSACTIONS, _checked(r)) for r in read_file(self.path, mapping=self.mapping, tally=tally))]
        if self.labels_path is not None:
            label_tally = RejectTally(f"labels {self.labels_path}", self.max_reject_share,
                                      count_file_rows(self.labels_path))
            labels = sorted(read_file(self.labels_path, mapping=self.label_mapping, kind="label", tally=label_tally),
                            key=lambda r: r.timestamp_ms)
            streams.append((LABELS, r) for r in labels)
        return merge(*streams)
