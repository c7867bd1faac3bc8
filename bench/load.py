"""Offered load and receipt timing: produce at a rate, match outputs by transaction id."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


@dataclass(frozen=True)
class LoadResult:
    sent: int
    received: int
    seconds: float  # first send → last receipt
    latencies_ms: np.ndarray

    @property
    def throughput(self) -> float:
        return self.received / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if len(self.latencies_ms) else float("nan")


async def run_load(
    bootstrap: str,
    source: str,
    target: str,
    messages: list[tuple[str, bytes, bytes]],  # (id, key, value)
    id_of: Callable[[bytes], str],
    rate: float | None,
    timeout_s: float = 120.0,
) -> LoadResult:
    """Send `messages` at `rate`/s (None = as fast as possible); wait for one output per id."""
    # read_committed: under exactly-once an output counts only once its transaction commits, as for any
    # downstream consumer (no difference at-least-once)
    consumer = AIOKafkaConsumer(target, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="latest",
                                enable_auto_commit=False, isolation_level="read_committed")
    await consumer.start()
    await consumer.getmany(timeout_ms=100)  # settle the latest position before sending
    for partition in consumer.assignment():
        await consumer.seek_to_end(partition)
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    done = asyncio.Event()
    last_receipt = 0.0

    async def receive() -> None:
        nonlocal last_receipt
        while len(latencies) < len(messages):
            batch = await consumer.getmany(timeout_ms=200)
            now = time.perf_counter()
            for records in batch.values():
                for record in records:
                    started = sent_at.pop(id_of(record.value), None)
                    if started is not None:
                        latencies.append((now - started) * 1000)
                        last_receipt = now
        done.set()

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=2, max_batch_size=65536)
    await producer.start()
    receiver = asyncio.create_task(receive())
    first = time.perf_counter()
    try:
        for index, (ident, key, value) in enumerate(messages):
            if rate:
                delay = first + index / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            sent_at[ident] = time.perf_counter()
            await producer.send(source, key=key, value=value)
        await producer.flush()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), timeout_s)
    finally:
        receiver.cancel()
        await producer.stop()
        await consumer.stop()
    return LoadResult(len(messages), len(latencies), max(last_receipt - first, 1e-9), np.array(latencies))
