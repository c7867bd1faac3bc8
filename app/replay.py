"""Replay history into a (sandbox) topic: from a topic's partitions or from a JSONL/CSV/Parquet file.

Keys, per-key order and event-time timestamps are kept; `--speed 1` replays at the original pace,
`--speed 60` an hour per minute, `--speed 0` as fast as possible.

    python -m app.replay replay --source-topic transactions --target-topic sbx-transactions --from 2025-01-01
    python -m app.replay replay --file export.csv --mapping mapping.yaml --target-topic sbx-transactions
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import structlog
import typer

from app.commands.errors import exit_on_error
from app.commands.options import setting_option, settings_from
from app.exceptions import ReplayError
from app.field_mapping import load_mapping
from app.kafka_io import ensure_topics, make_producer, partition_count
from app.pacing import EventTimePacer
from app.progress import progress_bar
from app.replay_sources import Offsets, ReplayRecord, count_file_rows, parse_offsets, read_file, read_topic
from app.timeopts import parse_time_ms

log = structlog.get_logger(__name__)
DEFAULT_PARTITIONS = 3
_FLUSH_EVERY = 20_000


@dataclass(frozen=True)
class ReplayOptions:
    """Everything a replay needs, built once at the entry point. Exactly one of source_topic / file."""

    target_bootstrap: str
    target_topic: str
    source_topic: str | None = None
    source_bootstrap: str | None = None
    file: Path | None = None
    mapping_file: Path | None = None
    kind: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    start_offsets: Offsets = None
    end_offsets: Offsets = None
    speed: float = 0.0
    partitions: int | None = None
    progress: bool = False

    def check(self) -> None:
        if (self.source_topic is None) == (self.file is None):
            raise ReplayError("give exactly one source: --source-topic or --file")
        same_cluster = (self.source_bootstrap or self.target_bootstrap) == self.target_bootstrap
        if self.source_topic == self.target_topic and same_cluster:
            raise ReplayError(f"target topic {self.target_topic!r} is the source topic; use --target-prefix or "
                              "--target-topic to write into a sandbox")
        if self.start_ms is not None and self.end_ms is not None and self.end_ms <= self.start_ms:
            raise ReplayError(f"empty time range: --to ({self.end_ms}) must be after --from ({self.start_ms})")


@dataclass(frozen=True)
class ReplayStats:
    count: int
    first_timestamp_ms: int | None
    last_timestamp_ms: int | None
    wall_s: float


async def _aiter(records: Iterator[ReplayRecord]) -> AsyncIterator[ReplayRecord]:
    for record in records:
        yield record


async def replay(options: ReplayOptions) -> ReplayStats:
    """Republish the selected records to `options.target_topic`, creating it if missing."""
    options.check()
    loop = asyncio.get_running_loop()
    started = loop.time()
    total: int | None = None
    if options.source_topic is not None:
        source_bootstrap = options.source_bootstrap or options.target_bootstrap
        partitions = options.partitions or await partition_count(source_bootstrap, options.source_topic)
        records = read_topic(source_bootstrap, options.source_topic, start_ms=options.start_ms, end_ms=options.end_ms,
                             start_offsets=options.start_offsets, end_offsets=options.end_offsets)
    else:
        assert options.file is not None
        mapping = load_mapping(options.mapping_file) if options.mapping_file else None
        partitions = options.partitions
        records = _aiter(read_file(options.file, mapping=mapping, kind=options.kind, start_ms=options.start_ms,
                                   end_ms=options.end_ms))
        total = count_file_rows(options.file) if options.progress else None
    await ensure_topics(options.target_bootstrap, [options.target_topic], partitions or DEFAULT_PARTITIONS)
    producer = make_producer(options.target_bootstrap)
    await producer.start()
    pacer = EventTimePacer(options.speed)
    count, first, last = 0, None, None
    pending: list[asyncio.Future] = []
    try:
        with progress_bar(options.progress) as bar:
            task = bar.add_task(f"replay → {options.target_topic}", total=total)
            async for record in records:
                delay = pacer.delay_s(record.timestamp_ms)
                if delay > 0:
                    await asyncio.sleep(delay)
                pending.append(await producer.send(options.target_topic, record.value, key=record.key,
                                                   timestamp_ms=record.timestamp_ms,
                                                   headers=list(record.headers) or None))
                count += 1
                first = record.timestamp_ms if first is None else first
                last = record.timestamp_ms
                bar.advance(task)
                if len(pending) >= _FLUSH_EVERY:
                    await asyncio.gather(*pending)
                    pending.clear()
            await producer.flush()
            await asyncio.gather(*pending)
            bar.update(task, total=count, completed=count)  # the file's line count also held filtered rows
    finally:
        await producer.stop()
    stats = ReplayStats(count, first, last, loop.time() - started)
    log.info("replay.done", target=options.target_topic, count=count, wall_s=round(stats.wall_s, 3))
    return stats


cli = typer.Typer(help="Replay history into a sandbox topic.", no_args_is_help=True)


@cli.command("replay")
def replay_command(
    target_topic: str | None = typer.Option(None, help="topic to write (default: the source topic's name)"),
    target_prefix: Annotated[str | None, setting_option("topic_prefix", "--target-prefix",
                                                        help="prefix for the target topic")] = None,
    source_topic: str | None = typer.Option(None, help="historical topic to read (all partitions)"),
    file: Path | None = typer.Option(None, help=".jsonl, .csv or .parquet file to read instead of a topic"),
    mapping: Path | None = typer.Option(None, help="YAML/JSON mapping: file column → dotted schema field"),
    kind: str | None = typer.Option(None, help="for simulator JSONL files: transaction, account_event or label"),
    start: str | None = typer.Option(None, "--from", help="first event time (inclusive): ISO 8601, date or epoch ms"),
    end: str | None = typer.Option(None, "--to", help="end event time (exclusive)"),
    start_offset: str | None = typer.Option(None, help="start offset: N for all partitions or P:N,P:N"),
    end_offset: str | None = typer.Option(None, help="end offset (exclusive): N or P:N,P:N"),
    speed: float = typer.Option(0.0, help="1.0 = real time by event time, 60 = a minute per second, 0 = max"),
    partitions: int | None = typer.Option(None, help="partitions if the target topic is created (default: source's)"),
    bootstrap: Annotated[str | None, setting_option("bootstrap_servers", "--bootstrap", help="target Kafka")] = None,
    source_bootstrap: str | None = typer.Option(None, help="source Kafka (default: --bootstrap)"),
    progress: bool = typer.Option(True, help="show a progress bar"),
) -> None:
    """Read a topic or file and republish it, keeping keys, per-key order and timestamps."""
    with exit_on_error():
        settings = settings_from(bootstrap_servers=bootstrap, topic_prefix=target_prefix)
        name = target_topic or source_topic
        if name is None:
            raise ReplayError("give --target-topic when replaying a file")
        options = ReplayOptions(
            target_bootstrap=settings.bootstrap_servers, target_topic=settings.topic(name), source_topic=source_topic,
            source_bootstrap=source_bootstrap, file=file, mapping_file=mapping, kind=kind,
            start_ms=parse_time_ms(start), end_ms=parse_time_ms(end), start_offsets=parse_offsets(start_offset),
            end_offsets=parse_offsets(end_offset), speed=speed, partitions=partitions, progress=progress,
        )
        stats = asyncio.run(replay(options))
    typer.echo(f"replayed {stats.count} messages to {options.target_topic} in {stats.wall_s:.1f}s")
