"""Drive real worker processes against the real broker: start, kill -9, produce, consume."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition
from prometheus_client.parser import text_string_to_metric_families

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
            "FRAUDSTREAM_METRICS_INTERVAL_S": "0.5",
            **(extra_env or {}),
        }
        super().__init__(name, env, workdir / f"{name}.log", web_port)

    def wait_healthy(self, timeout_s: float = 60.0) -> None:
        try:
            super().wait_healthy(timeout_s)
        except AppError as error:
            raise AssertionError(str(error)) from error

    def wait_ready(self, timeout_s: float = 90.0) -> None:
        """Until /ready answers 200: partitions assigned, state recovered, control topic read."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"worker {self.name} exited:\n{self.tail()}")
            if self.ready()[0] == 200:
                return
            time.sleep(0.3)
        raise AssertionError(f"worker {self.name} not ready in {timeout_s}s: {self.ready()}\n{self.tail()}")

    def pause(self) -> None:
        """SIGSTOP: the worker keeps its partitions (for less than its session) but reads and commits nothing."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGCONT)

    def ready(self) -> tuple[int, dict[str, Any]]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}/ready", timeout=2) as resp:
                return resp.status, orjson.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, orjson.loads(err.read())
        except OSError:
            return 0, {}

    def metrics(self) -> Scrape:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}/metrics", timeout=2) as resp:
            assert resp.headers["Content-Type"].startswith("text/plain"), resp.headers["Content-Type"]
            return Scrape.parse(resp.read().decode())


class Scrape:
    """One /metrics page, parsed by prometheus_client's own parser."""

    def __init__(self, samples: list[tuple[str, dict[str, str], float]]) -> None:
        self.samples = samples

    @classmethod
    def parse(cls, text: str) -> Scrape:
        return cls([(s.name, dict(s.labels), s.value) for family in text_string_to_metric_families(text)
                    for s in family.samples])

    def values(self, name: str, **labels: str) -> list[tuple[dict[str, str], float]]:
        return [(have, value) for sample, have, value in self.samples
                if sample == name and labels.items() <= have.items()]

    def total(self, name: str, **labels: str) -> float:
        return sum(value for _, value in self.values(name, **labels))


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


async def committed_offset(bootstrap: str, group: str, tp: TopicPartition, at_least: int = -1,
                           timeout_s: float = 0.0) -> int:
    """The group's committed offset of `tp` (-1: none), once it is `at_least` or `timeout_s` passed."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            offset = int((await admin.list_consumer_group_offsets(group, partitions=[tp]))[tp].offset)
            if offset >= at_least or time.monotonic() >= deadline:
                return offset
            await asyncio.sleep(0.2)
    finally:
        await admin.close()


def values(records: list[Any]) -> list[dict[str, Any]]:
    return [orjson.loads(r.value) for r in records]
