"""Publish a simulation to Kafka (or write it to a file): the traffic source of demos and tests.

    python -m app.simulate simulate --customers 5000 --days 30 --rate 500
    python -m app.simulate simulate --days 7 --out var/sim.jsonl
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import orjson
import structlog
import typer

from app.commands.errors import exit_on_error
from app.commands.options import Bootstrap, Prefix, setting_option, settings_from
from app.kafka_io import ensure_topics, make_producer
from app.pacing import RatePacer
from app.progress import progress_bar
from app.timeopts import parse_time_ms
from sim import DEFAULT_START_MS, SimConfig, SimRecord, simulate, write_jsonl

log = structlog.get_logger(__name__)

TOPIC_SUFFIXES = {"transaction": "transactions", "account_event": "account-events", "label": "fraud-labels"}
_FLUSH_EVERY = 20_000


def topic_names(prefix: str = "") -> dict[str, str]:
    """Record kind → topic name under an optional sandbox prefix."""
    return {kind: f"{prefix}{suffix}" for kind, suffix in TOPIC_SUFFIXES.items()}


@dataclass(frozen=True)
class Published:
    """Messages sent per topic, and those held back because they were not yet due when their turn came."""

    sent: dict[str, int]
    held_back: dict[str, int]


async def publish_records(records: Iterable[SimRecord], bootstrap: str, *, topic_prefix: str = "",
                          rate: float | None = None, partitions: int = 8, progress: bool = False,
                          total: int | None = None, clock: Callable[[], float] = time.time) -> Published:
    """Send records in order: key as bytes, value as JSON, message timestamp = delivery time.

    A label's timestamp is its confirmation time; for transactions and events it is the event time.
    `rate` limits transactions per second (other records flow between them); None or 0 = as fast as
    possible.

    A record whose delivery time is still after `clock()` when its turn comes is held back, not sent:
    the bus never carries a message from the future (brokers refuse such timestamps with
    InvalidTimestampError, and the pipeline refuses labels confirmed in the future). So a run whose span
    ends now publishes every transaction and the verdicts known by now; labels confirmed later (days or
    weeks on) are counted in `held_back`, as a bank would not know them yet. Nothing waits for them:
    `--out` keeps every record in a file.
    """
    topics = topic_names(topic_prefix)
    await ensure_topics(bootstrap, topics.values(), partitions)
    producer = make_producer(bootstrap)
    await producer.start()
    pacer = RatePacer(rate)
    sent = dict.fromkeys(topics.values(), 0)
    held = dict.fromkeys(topics.values(), 0)
    pending: list[asyncio.Future] = []
    try:
        with progress_bar(progress) as bar:
            task = bar.add_task("simulate → kafka", total=total)
            for record in records:
                if record.kind == "transaction":
                    delay = pacer.delay_s()
                    if delay > 0:
                        await asyncio.sleep(delay)
                topic = topics[record.kind]
                bar.advance(task)
                if record.deliver_at_ms > clock() * 1000:
                    held[topic] += 1
                    continue
                pending.append(await producer.send(topic, orjson.dumps(record.value), key=record.key.encode(),
                                                   timestamp_ms=record.deliver_at_ms))
                sent[topic] += 1
                if len(pending) >= _FLUSH_EVERY:
                    await asyncio.gather(*pending)
                    pending.clear()
            await producer.flush()
            await asyncio.gather(*pending)
    finally:
        await producer.stop()
    log.info("simulate.published", **sent)
    if any(held.values()):
        log.info("simulate.held_back", reason="not yet due", **held)
    return Published(sent, held)


async def publish_simulation(config: SimConfig, bootstrap: str, *, topic_prefix: str = "",
                             rate: float | None = None, partitions: int = 8, progress: bool = False) -> Published:
    """Simulate `config` and publish it (used by the demo). See `publish_records`."""
    return await publish_records(simulate(config), bootstrap, topic_prefix=topic_prefix, rate=rate,
                                 partitions=partitions, progress=progress)


cli = typer.Typer(help="Simulated e-banking traffic with labelled fraud.", no_args_is_help=True)


@cli.command("simulate")
def simulate_command(
    seed: int = typer.Option(7, help="random seed: same seed, same traffic"),
    customers: int = typer.Option(2_000, help="number of customers"),
    days: float = typer.Option(7.0, help="event-time span to simulate, in days"),
    start: str = typer.Option(str(DEFAULT_START_MS), help="first event time: ISO 8601, date or epoch ms"),
    rate: float = typer.Option(0.0, help="target transactions per second; 0 = as fast as possible"),
    fraud_rate: float = typer.Option(0.01, help="target share of fraudulent transactions"),
    out: Path | None = typer.Option(None, help="write JSON lines to this file instead of Kafka"),
    world: str = typer.Option("bank", help="'bank' (e-banking) or 'cards' (card payments at merchant terminals)"),
    export: Path | None = typer.Option(None, file_okay=False,
                                       help="with --world cards: write the bank-export files (transactions.csv, "
                                            "labels.csv, mapping.yaml) to this folder instead"),
    bootstrap: Bootstrap = None,
    topic_prefix: Prefix = None,
    partitions: Annotated[int | None, setting_option(
        "partitions", help="partitions of topics created here (match the pipeline's)")] = None,
    progress: bool = typer.Option(True, help="show a progress bar"),
) -> None:
    """Simulate customers, transactions, account events and fraud labels; publish or write them."""
    with exit_on_error():
        settings = settings_from(bootstrap_servers=bootstrap, topic_prefix=topic_prefix, partitions=partitions)
        config = SimConfig(seed=seed, customers=customers, days=days, start_ms=parse_time_ms(start) or DEFAULT_START_MS,
                           fraud_rate=fraud_rate, world=world)
        if export is not None:
            from sim.cards.export import write_card_export

            files = write_card_export(config, export)
            typer.echo(f"wrote {files.rows} transactions to {files.transactions}, {files.fraud_labels} fraud labels "
                       f"to {files.labels}, mapping {files.mapping}")
            return
        if out is not None:
            count = write_jsonl(simulate(config), out)
            typer.echo(f"wrote {count} records to {out}")
            return
        published = asyncio.run(publish_simulation(
            config, settings.bootstrap_servers, topic_prefix=settings.topic_prefix, rate=rate or None,
            partitions=settings.partitions, progress=progress))
    typer.echo(", ".join(f"{topic}: {n}" for topic, n in published.sent.items()))
    held = {topic: n for topic, n in published.held_back.items() if n}
    if held:
        typer.echo("held back, not yet due: " + ", ".join(f"{topic}: {n}" for topic, n in held.items()))
