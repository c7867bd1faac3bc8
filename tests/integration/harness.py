"""Drive real worker processes against the real broker: start, kill -9, produce, consume."""

from __future__ import annotations

import asyncio
import time
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from app import localkafka
from app.exceptions import AppError
from app.processes import ManagedWorker, worker_env

ROOT = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "integration-test-token"


class WorkerProcess(ManagedWorker):
    """One `fraudstream worker` subprocess on `engine`, with its own datadir and web port."""

    def __init__(self, name: str, bootstrap: str, prefix: str, workdir: Path, partitions: int = 4,
                 extra_env: dict[str, str] | None = None, *, engine: str) -> None:
        self.workdir, self.engine = workdir, engine
        web_port = localkafka.free_port()
        env = {
            **worker_env(bootstrap=bootstrap, prefix=prefix, app_id=f"{prefix}app".lower().replace("_", "-"),
                         datadir=workdir / f"{name}-data", partitions=partitions, engine=engine,
                         instance_id=name,  # static membership (quix): a restarted worker resumes at once
                         web_port=web_port, admin_token=ADMIN_TOKEN, commit_interval_s=0.5,
                         session_timeout_s=8, log_level="info"),
            **(extra_env or {}),
        }
        super().__init__(name, env, workdir / f"{name}.log", web_port)

    def wait_healthy(self, timeout_s: float = 60.0) -> None:
        try:
            super().wait_healthy(timeout_s)
        except AppError as error:
            raise AssertionError(str(error)) from error

    def metrics(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}/metrics", timeout=2) as resp:
            return orjson.loads(resp.read())


async def produce(bootstrap: str, topic: str, messages: Iterable[tuple[bytes | None, bytes]],
                  delay_s: float = 0.0) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    count = 0
    try:
        for key, value in messages:
            await producer.send(topic, key=key, value=value)
            count += 1
            if delay_s:
                await asyncio.sleep(delay_s)
        await producer.flush()
    finally:
        await producer.stop()
    return count


async def consume(bootstrap: str, topic: str, done: Callable[[list[Any]], bool], timeout_s: float = 90.0,
                  ) -> list[Any]:
    """Read `topic` from the beginning (no group) until `done(records)` or the timeout."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    records: list[Any] = []
    deadline = time.monotonic() + timeout_s
    try:
        while not done(records) and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for items in batch.values():
                records.extend(items)
    finally:
        await consumer.stop()
    return records


def values(records: list[Any]) -> list[dict[str, Any]]:
    return [orjson.loads(r.value) for r in records]
