"""`make demo`: a local broker, real workers, simulated bank traffic, and a live view of the decisions.

Everything it starts it stops: workers by SIGTERM (then SIGKILL), the broker by pid (unless an existing
cluster was given with KAFKA_BOOTSTRAP_SERVERS). Topics get a per-run prefix so runs never mix.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table

from app import localkafka
from app.exceptions import DemoError
from app.processes import spawn_cli, spawn_worker, worker_env
from app.settings import DevSettings, Settings
from app.topics import TopicNames, ensure_topics
from sim.config import SimConfig
from sim.engine import simulate

log = structlog.get_logger(__name__)
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class DemoStats:
    started: float = field(default_factory=time.monotonic)
    sent: int = 0
    events_sent: int = 0
    labels_sent: int = 0
    decided: int = 0
    dead_letters: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    latencies_ms: deque[float] = field(default_factory=lambda: deque(maxlen=20_000))
    all_latencies_ms: list[float] = field(default_factory=list)
    recent_times: deque[float] = field(default_factory=lambda: deque(maxlen=50_000))
    alerts: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=6))
    alert_count: int = 0
    block_count: int = 0
    sent_at: dict[str, float] = field(default_factory=dict)
    versions: set[str] = field(default_factory=set)

    def rate(self, window_s: float = 5.0) -> float:
        now = time.monotonic()
        return sum(1 for t in self.recent_times if now - t <= window_s) / window_s

    def percentile(self, q: float, values: Any = None) -> float:
        data = self.latencies_ms if values is None else values
        return float(np.percentile(np.fromiter(data, float), q)) if len(data) else float("nan")


def render(stats: DemoStats, duration_s: float, workers: int) -> Group:
    elapsed = time.monotonic() - stats.started
    head = Table.grid(padding=(0, 3))
    for _ in range(6):
        head.add_column()
    head.add_row("elapsed", "sent tx", "decided", "throughput", "latency p50", "latency p99")
    head.add_row(f"{elapsed:5.0f}/{duration_s:.0f}s", f"{stats.sent:,}", f"{stats.decided:,}",
                 f"{stats.rate():,.0f} tx/s", f"{stats.percentile(50):.1f} ms", f"{stats.percentile(99):.1f} ms")
    actions = Table(title="decisions by action")
    actions.add_column("action")
    actions.add_column("count", justify="right")
    actions.add_column("share", justify="right")
    for action in ("ALLOW", "CHALLENGE", "REVIEW", "BLOCK"):
        count = stats.actions[action]
        actions.add_row(action, f"{count:,}", f"{count / max(stats.decided, 1):.2%}")
    reasons = Table(title="top reasons (non-ALLOW)")
    reasons.add_column("reason code")
    reasons.add_column("count", justify="right")
    for reason, count in stats.reasons.most_common(8):
        reasons.add_row(reason, f"{count:,}")
    alerts = Table(title=f"latest alerts ({stats.alert_count:,} alerts, {stats.block_count:,} block commands, "
                         f"{stats.dead_letters:,} dead letters)")
    for column in ("account", "action", "amount", "channel", "reasons"):
        alerts.add_column(column)
    for alert in list(stats.alerts)[::-1]:
        alerts.add_row(alert["account_id"], alert["action"], alert["amount"], alert["channel"],
                       ", ".join(alert["reason_codes"][:3]))
    side = Table.grid(padding=(0, 2))
    side.add_row(actions, reasons)
    title = f"fraudstream demo: {workers} worker(s), ruleset {', '.join(sorted(stats.versions)) or '…'}"
    return Group(Panel(head, title=title), side, alerts)


class DemoRun:
    def __init__(self, dev: DevSettings, customers: int, seed: int) -> None:
        self.dev, self.customers, self.seed = dev, customers, seed
        self.duration_s, self.rate, self.workers = dev.demo_duration, dev.demo_rate, dev.demo_workers
        run = f"demo{int(time.time())}"
        self.prefix = f"{run}."
        self.workdir = Path(tempfile.mkdtemp(prefix="fraudstream-demo-"))
        self.token = secrets.token_hex(16)
        self.stats = DemoStats()
        self.procs: list[subprocess.Popen[bytes]] = []
        self.ports: list[int] = []
        self.broker_name: str | None = None
        self.bootstrap = ""
        self.app_id = f"fraudstream-{run}"
        self.service: subprocess.Popen[bytes] | None = None
        self.service_url, self.service_key = "", ""
        self.console_users: list[tuple[str, str, str, str]] = []
        self.store_url = f"sqlite:///{self.workdir / 'service' / 'store.db'}"

    def start_broker(self) -> None:
        if self.dev.external_bootstrap:
            self.bootstrap = self.dev.external_bootstrap
            return
        self.broker_name = "demo"
        self.bootstrap = localkafka.start(self.dev, self.broker_name).bootstrap

    def start_workers(self) -> None:
        for index in range(self.workers):
            port = localkafka.free_port()
            env = worker_env(bootstrap=self.bootstrap, prefix=self.prefix, app_id=self.app_id, partitions=4,
                             datadir=self.workdir / f"worker{index}", web_port=port, admin_token=self.token,
                             log_level="warning", instance_id=f"demo-worker-{index}")
            self.procs.append(spawn_worker(env, self.workdir / f"worker{index}.log"))
            self.ports.append(port)

    def wait_workers(self, timeout_s: float = 90.0) -> None:
        deadline = time.monotonic() + timeout_s
        for proc, port in zip(self.procs, self.ports, strict=True):
            while True:
                if proc.poll() is not None:
                    raise DemoError(f"a worker or the service exited during start; see {self.workdir}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise DemoError(f"workers not healthy in {timeout_s:.0f}s; see {self.workdir}") from None
                    time.sleep(0.3)

    def start_service(self) -> None:
        """The risk service (sink + query API) on its own SQLite store, with a whole-bank key for the demo."""
        from service.store.api_keys import create_key
        from service.store.engine import migrate, open_engine

        engine = open_engine(self.store_url)
        migrate(engine)
        self.service_key = create_key(engine, "demo", "*", int(time.time() * 1000))
        self.console_users = demo_console_users(engine)
        engine.dispose()
        port = localkafka.free_port()
        env = worker_env(bootstrap=self.bootstrap, prefix=self.prefix, app_id=self.app_id, partitions=4,
                         datadir=self.workdir / "service", store_url=self.store_url, service_port=port,
                         admin_token=self.token, log_level="warning",
                         console_cookie_secure="false")  # loopback only: any browser keeps the cookie on http
        self.service = spawn_cli(["service", "run"], env, self.workdir / "service.log")
        self.service_url = f"http://127.0.0.1:{port}"
        self.procs.append(self.service)
        self.ports.append(port)  # wait_workers waits for its /health too

    def stored_decisions(self) -> int:
        from service.store import queries
        from service.store.engine import open_engine

        engine = open_engine(self.store_url)
        try:
            with engine.connect() as connection:
                return queries.counts(connection)["decisions"]
        finally:
            engine.dispose()

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        if self.broker_name:
            localkafka.stop(self.dev, self.broker_name)
        shutil.rmtree(self.workdir, ignore_errors=True)

    async def produce(self, names: TopicNames, stop: asyncio.Event) -> None:
        now_ms = int(time.time() * 1000)
        config = SimConfig(seed=self.seed, customers=self.customers, days=28, start_ms=now_ms - 29 * 86_400_000,
                           fraud_rate=0.02)
        topics = {"transaction": names.transactions, "account_event": names.account_events,
                  "label": names.fraud_labels}
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, linger_ms=5)
        await producer.start()
        began = time.monotonic()
        try:
            for record in simulate(config):
                if stop.is_set():
                    break
                value = orjson.dumps(record.value)
                if record.kind == "transaction":
                    delay = began + self.stats.sent / self.rate - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    self.stats.sent_at[record.value["transaction_id"]] = time.time()
                    self.stats.sent += 1
                elif record.kind == "label":
                    self.stats.labels_sent += 1
                else:
                    self.stats.events_sent += 1
                await producer.send(topics[record.kind], key=record.key.encode(), value=value,
                                    timestamp_ms=record.event_time_ms)
        finally:
            await producer.stop()

    async def monitor(self, names: TopicNames, done: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(names.decisions, names.alerts, names.blocks, names.dead_letter,
                                    bootstrap_servers=self.bootstrap, group_id=None, auto_offset_reset="earliest")
        await consumer.start()
        try:
            while not done.is_set():
                batch = await consumer.getmany(timeout_ms=200)
                now = time.time()
                for tp, records in batch.items():
                    for record in records:
                        self._count(tp.topic, names, orjson.loads(record.value), now)
        finally:
            await consumer.stop()

    def _count(self, topic: str, names: TopicNames, value: dict[str, Any], now: float) -> None:
        stats = self.stats
        if topic == names.decisions:
            stats.decided += 1
            stats.recent_times.append(time.monotonic())
            stats.actions[value["action"]] += 1
            stats.versions.add(value["ruleset_version"])
            if value["action"] != "ALLOW":
                stats.reasons.update(value["reason_codes"][:3])
            sent = stats.sent_at.pop(value["transaction_id"], None)
            if sent is not None:
                latency = (now - sent) * 1000
                stats.latencies_ms.append(latency)
                stats.all_latencies_ms.append(latency)
        elif topic == names.alerts:
            stats.alert_count += 1
            stats.alerts.append(value)
        elif topic == names.blocks:
            stats.block_count += 1
        else:
            stats.dead_letters += 1

    async def run(self, console: Console) -> DemoStats:
        settings = Settings(bootstrap_servers=self.bootstrap, topic_prefix=self.prefix, partitions=4,
                            app_id=self.app_id)
        names = settings.topic_names()
        await ensure_topics(settings)
        stop, done = asyncio.Event(), asyncio.Event()
        monitor = asyncio.create_task(self.monitor(names, done))
        producer = asyncio.create_task(self.produce(names, stop))
        self.stats.started = time.monotonic()
        with Live(render(self.stats, self.duration_s, self.workers), console=console, refresh_per_second=2) as live:
            while time.monotonic() - self.stats.started < self.duration_s and not producer.done():
                await asyncio.sleep(0.5)
                live.update(render(self.stats, self.duration_s, self.workers))
            stop.set()
            await producer
            drain_until = time.monotonic() + 30
            while self.stats.sent_at and time.monotonic() < drain_until:
                await asyncio.sleep(0.5)
                live.update(render(self.stats, self.duration_s, self.workers))
            live.update(render(self.stats, self.duration_s, self.workers))
        done.set()
        await monitor
        return self.stats


def summary(stats: DemoStats, elapsed_s: float) -> Table:
    table = Table(title="demo summary")
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [
        ("transactions sent", f"{stats.sent:,}"),
        ("account events / labels sent", f"{stats.events_sent:,} / {stats.labels_sent:,}"),
        ("decisions received", f"{stats.decided:,}"),
        ("undecided at the end", f"{len(stats.sent_at):,}"),
        ("mean throughput", f"{stats.decided / max(elapsed_s, 1e-9):,.0f} tx/s"),
        ("latency p50 / p99 (produce → decision)",
         f"{stats.percentile(50, stats.all_latencies_ms):.1f} / {stats.percentile(99, stats.all_latencies_ms):.1f} ms"),
        ("alerts / block commands / dead letters", f"{stats.alert_count:,} / {stats.block_count:,} / "
                                                   f"{stats.dead_letters:,}"),
    ]
    rows += [(f"  {action}", f"{stats.actions[action]:,}") for action in ("ALLOW", "CHALLENGE", "REVIEW", "BLOCK")]
    for measure, value in rows:
        table.add_row(measure, value)
    return table


DEMO_USERS = (("demo.analyst", "analyst", "44/4401"), ("demo.supervisor", "supervisor", "44"),
              ("demo.admin", "admin", "*"))


def demo_console_users(engine: Any) -> list[tuple[str, str, str, str]]:
    """The demo's console users with one-time passwords: (user, role, scope, password)."""
    from service.console.users import create_user

    made = [create_user(engine, name, role, scope, int(time.time() * 1000)) for name, role, scope in DEMO_USERS]
    return [(c.user.username, c.user.role, str(c.user.scope), str(c.password)) for c in made]


def console_table(service_url: str, users: list[tuple[str, str, str, str]]) -> Table:
    table = Table(title=f"analyst console: {service_url}/console (one-time passwords, this run only)")
    for column in ("user", "role", "branch scope", "password"):
        table.add_column(column)
    for row in users:
        table.add_row(*row)
    return table


def run_demo(dev: DevSettings, customers: int, seed: int) -> int:
    """The demo as `dev` sets it up (duration, rate, workers); 0 when decisions came back for every send."""
    console = Console()
    demo = DemoRun(dev, customers, seed)
    try:
        with console.status("starting Kafka broker…"):
            demo.start_broker()
        with console.status(f"starting {demo.workers} worker(s) and the risk service on {demo.bootstrap}…"):
            asyncio.run(ensure_topics(Settings(bootstrap_servers=demo.bootstrap, topic_prefix=demo.prefix,
                                               partitions=4, app_id=demo.app_id)))
            demo.start_workers()
            demo.start_service()
            demo.wait_workers()
        console.print(f"risk service: {demo.service_url} (API docs {demo.service_url}/docs), key for this run:\n"
                      f"  curl -s -H 'X-API-Key: {demo.service_key}' '{demo.service_url}/v1/decisions?action=BLOCK"
                      "&limit=5'", soft_wrap=True)
        console.print(console_table(demo.service_url, demo.console_users))
        began = time.monotonic()
        stats = asyncio.run(demo.run(console))
        console.print()
        table = summary(stats, time.monotonic() - began)
        with contextlib.suppress(Exception):
            table.add_row("decisions in the risk service's store", f"{demo.stored_decisions():,}")
        console.print(table)
        return 0 if stats.decided > 0 and not stats.sent_at else 1
    finally:
        with contextlib.suppress(Exception), console.status("stopping workers and broker…"):
            demo.stop()
