"""Where replayed messages come from: a Kafka topic (all partitions) or a JSONL/CSV/Parquet file.

Every source yields `ReplayRecord`s with key, value bytes and event-time timestamp, keeping each key's
order: a topic's partitions are merged by timestamp without reordering any one partition; files are
read in file order.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import BaseModel

from app.exceptions import ReplaySourceError
from app.field_mapping import IDENTITY, LABEL_IDENTITY, FieldMapping
from app.kafka_io import topic_partitions
from app.row_import import RejectTally, RowReject, map_row
from schemas import AccountEvent, Label, Transaction

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ReplayRecord:
    key: bytes | None
    value: bytes
    timestamp_ms: int
    headers: tuple[tuple[str, bytes], ...] = ()
    message: BaseModel | None = field(default=None, compare=False)  # as the import validated it, if it did


Offsets = int | Mapping[int, int] | None
_ENVELOPE = {"kind", "key", "value", "deliver_at_ms"}


def parse_offsets(spec: str | None) -> Offsets:
    """`"100"` → 100 for every partition; `"0:100,1:250"` → per partition; None/empty → None."""
    if not spec:
        return None
    try:
        if ":" not in spec:
            return int(spec)
        return {int(p): int(o) for p, o in (part.split(":", 1) for part in spec.split(",") if part.strip())}
    except ValueError as err:
        raise ReplaySourceError(f"offsets {spec!r}: expected N or P:N,P:N (integers)") from err


def _for(offsets: Offsets, partition: int) -> int | None:
    if offsets is None or isinstance(offsets, int):
        return offsets
    return offsets.get(partition)


async def read_topic(bootstrap: str, topic: str, *, start_ms: int | None = None, end_ms: int | None = None,
                     start_offsets: Offsets = None, end_offsets: Offsets = None,
                     poll_timeout_ms: int = 500) -> AsyncIterator[ReplayRecord]:
    """Messages of all partitions from the chosen start up to the end offsets seen when reading began.

    `start_ms`/`end_ms` select by message timestamp (half-open); offsets are per partition, end exclusive.
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = await _partitions(bootstrap, topic)
        tps = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(tps)
        first, last = await consumer.beginning_offsets(tps), await consumer.end_offsets(tps)
        by_time = await consumer.offsets_for_times({tp: start_ms for tp in tps}) if start_ms is not None else {}
        stop: dict[TopicPartition, int] = {}
        begins: dict[int, int] = {}
        for tp in tps:
            begin = first[tp]
            if start_ms is not None:
                found = by_time.get(tp)
                begin = found.offset if found is not None else last[tp]
            begin = max(begin, _for(start_offsets, tp.partition) or 0)
            end = _for(end_offsets, tp.partition)
            stop[tp] = last[tp] if end is None else min(last[tp], end)
            begins[tp.partition] = begin
            consumer.seek(tp, begin)
        log.info("replay.topic_range", topic=topic, start=begins, end={tp.partition: o for tp, o in stop.items()})
        async for record in _merge(consumer, stop, poll_timeout_ms):
            if _in_range(record.timestamp_ms, start_ms, end_ms):
                yield record
    finally:
        await consumer.stop()


async def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """Each partition's end offset now: pass it as `read_topic(end_offsets=...)` so that every later pass
    reads the same records, however much the topic grows meanwhile."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in await _partitions(bootstrap, topic)]
        return {tp.partition: offset for tp, offset in (await consumer.end_offsets(tps)).items()}
    finally:
        await consumer.stop()


async def _partitions(bootstrap: str, topic: str) -> list[int]:
    partitions = await topic_partitions(bootstrap, topic)
    if not partitions:
        raise ReplaySourceError(f"source topic {topic!r} does not exist; check the name and --source-bootstrap")
    return partitions


async def _merge(consumer: AIOKafkaConsumer, stop: dict[TopicPartition, int],
                 poll_timeout_ms: int) -> AsyncIterator[ReplayRecord]:
    """Merge partitions by timestamp; a partition's own order is never changed."""
    buffers: dict[TopicPartition, deque[ReplayRecord]] = {tp: deque() for tp in stop}
    positions = {tp: await consumer.position(tp) for tp in stop}
    active = {tp for tp in stop if positions[tp] < stop[tp]}
    while active:
        hungry = [tp for tp in active if not buffers[tp]]
        if hungry:
            batches = await consumer.getmany(*hungry, timeout_ms=poll_timeout_ms, max_records=5_000)
            for tp, messages in batches.items():
                for m in messages:
                    if m.offset < stop[tp]:
                        headers = tuple((k, bytes(v)) for k, v in (m.headers or ()))
                        buffers[tp].append(ReplayRecord(m.key, m.value or b"", m.timestamp, headers))
                    positions[tp] = m.offset + 1
            for tp in hungry:
                if positions[tp] >= stop[tp] and not buffers[tp]:
                    active.discard(tp)
            continue
        tp = min(active, key=lambda p: (buffers[p][0].timestamp_ms, p.partition))
        yield buffers[tp].popleft()
        if not buffers[tp] and positions[tp] >= stop[tp]:
            active.discard(tp)


MODELS: dict[str, type[BaseModel]] = {"transaction": Transaction, "account_event": AccountEvent, "label": Label}


def read_file(path: str | Path, *, mapping: FieldMapping | None = None, kind: str | None = None,
              start_ms: int | None = None, end_ms: int | None = None,
              tally: RejectTally | None = None) -> Iterator[ReplayRecord]:
    """Records of a `.jsonl`, `.csv` or `.parquet` file, in file order, optionally within a time range.

    A JSONL file written by `sim.write_jsonl` is recognised by its envelope: `kind` selects which messages
    (default: transaction) and the envelope's key and delivery time are used. Other rows go through
    `mapping` (default: column names are dotted field paths) and are validated as `kind`'s schema: with a
    `tally`, rejected rows are counted and skipped, and the tally's share is checked once the file is read
    (`TooManyRejects`); without one, the first bad row raises.
    """
    path = Path(path)
    model = MODELS.get(kind or "transaction")
    for number, row in enumerate(file_rows(path), 1):
        if mapping is None and row.keys() >= _ENVELOPE:
            if row["kind"] == (kind or "transaction"):
                record = ReplayRecord(str(row["key"]).encode(), orjson.dumps(row["value"]),
                                      int(row["deliver_at_ms"]))
                if _in_range(record.timestamp_ms, start_ms, end_ms):
                    yield record
            continue
        if tally is not None:
            tally.rows += 1
        mapped = map_row(row, mapping or (LABEL_IDENTITY if kind == "label" else IDENTITY), model)
        if isinstance(mapped, RowReject):
            if tally is None:
                raise ReplaySourceError(f"{path} row {number}: {mapped.code}: {mapped.message}")
            tally.reject(number, mapped.code, mapped.message)
            continue
        if _in_range(mapped.timestamp_ms, start_ms, end_ms):
            yield ReplayRecord(mapped.key, mapped.value, mapped.timestamp_ms, message=mapped.message)
    if tally is not None and tally.rows:
        tally.check()


def file_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of a `.jsonl`, `.csv` or `.parquet` file as dicts, in file order."""
    if not path.exists():
        raise ReplaySourceError(f"replay file {path} does not exist")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return _jsonl_rows(path)
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix == ".parquet":
        return _parquet_rows(path)
    raise ReplaySourceError(f"replay file {path}: unknown format {suffix!r}; use .jsonl, .csv or .parquet")


def _in_range(ts_ms: int, start_ms: int | None, end_ms: int | None) -> bool:
    return (start_ms is None or ts_ms >= start_ms) and (end_ms is None or ts_ms < end_ms)


def _jsonl_rows(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, "rb") as src:
        for number, line in enumerate(src, 1):
            if line.strip():
                try:
                    yield orjson.loads(line)
                except orjson.JSONDecodeError as err:
                    raise ReplaySourceError(f"{path}:{number}: invalid JSON ({err})") from err


def _csv_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The rows `csv.DictReader` gives (blank lines skipped, extra cells in a list under None, missing ones
    None), zipped here: its per-row Python bookkeeping was a visible share of an import."""
    with open(path, newline="", encoding="utf-8") as src:
        reader = csv.reader(src)
        header = next(reader, None)
        if header is None:
            return
        width = len(header)
        for row in reader:
            if len(row) == width and row:
                yield dict(zip(header, row, strict=True))
            elif row:
                record: dict[Any, Any] = dict(zip(header, row, strict=False))
                if len(row) > width:
                    record[None] = row[width:]
                else:
                    record.update(dict.fromkeys(header[len(row):]))
                yield record


def _parquet_rows(path: Path) -> Iterator[dict[str, Any]]:
    try:
        import pyarrow.parquet as pq
    except ImportError as err:
        raise ReplaySourceError("reading Parquet needs pyarrow: `pip install pyarrow`") from err
    for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000):
        yield from batch.to_pylist()


def count_file_rows(path: str | Path) -> int | None:
    """Cheap total for the progress bar (line count for text files, row count for Parquet)."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError:
            return None
        return pq.ParquetFile(path).metadata.num_rows
    with open(path, "rb") as src:
        lines = sum(1 for _ in src)
    return lines - 1 if path.suffix.lower() == ".csv" else lines


__all__ = ["ReplayRecord", "count_file_rows", "file_rows", "parse_offsets", "read_file", "read_topic"]
