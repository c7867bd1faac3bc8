"""Risk service benchmark: the store's write path and the sink into SQLite and PostgreSQL, and query latency
over stored decisions, each next to a baseline from the same run on the same database:

- write baseline: SQLAlchemy Core executemany of the same decision rows into the same table (no parsing, no
  upsert, no rule-hit or version rows): what the database takes at best through the same driver;
- sink: Kafka → parse → idempotent upsert (decisions, rule hits, versions) → offset commit, measured from the
  first batch stored to the last (the consumer-group join is left out);
- query baseline: a primary-key read of one decision's record; each query kind's p50/p99 is reported with its
  p99 ratio to that read, over `query_rows` stored decisions (1 M by default) bulk-loaded by `bulk_store`
  (executemany into SQLite, COPY into PostgreSQL; the load time is reported), with PostgreSQL's plan for each.

Decisions are real pipeline output (the simulator through `LocalPipeline`), cloned with fresh ids, accounts
and four provinces to reach the row count. Run: `make bench BENCH_ARGS="--only service"`.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from confluent_kafka import Producer
from sqlalchemy import Connection, Engine, event, insert, text

from agents.local import LocalPipeline
from app.control.holder import StrategyHolder
from app.settings import Settings
from app.topics import ensure_topics
from bench import bulk_store
from modelplatform.history import as_input
from risk.validation import Accepted, validate
from schemas.decision import Decision
from schemas.exceptions import FraudstreamError
from service import localpg
from service.scope import Scope
from service.sink import StoreSink
from service.store import queries, rows, writes
from service.store.engine import migrate, open_engine
from service.store.models import DecisionRow
from sim.config import SimConfig
from sim.engine import simulate

PROVINCES = bulk_store.PROVINCES
WRITE_BATCH = 500
QUERY_ROUNDS = 300
BASELINE = "baseline: primary-key read"


def synth_decisions(n: int) -> list[bytes]:
    """`n` decision records: a simulated fortnight through the real handlers, cloned with fresh ids."""
    templates = LocalPipeline(StrategyHolder.from_files(Settings()).current).run(
        as_input(r) for r in simulate(SimConfig(seed=5, customers=300, days=3))).decisions
    out = []
    for i in range(n):
        base = templates[i % len(templates)]
        copy = i // len(templates)
        account = f"{base['account_id']}x{copy}"
        branch = PROVINCES[copy % len(PROVINCES)] + base["branch_path"][2:]
        features = {**base["features"], "tx.account_id": account}
        out.append(orjson.dumps({**base, "transaction_id": f"bench{i:09d}", "account_id": account,
                                 "branch_path": branch, "features": features}))
    return out


def _parse(raws: list[bytes]) -> list[Decision]:
    parsed = [validate(raw, Decision, max_bytes=1 << 22, now_ms=0) for raw in raws]
    return [p.message for p in parsed if isinstance(p, Accepted)]


def _fresh(url: str) -> Engine:
    """An empty, migrated store at `url`."""
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    engine = open_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate(engine)
    return engine


def write_baseline(url: str, raws: list[bytes]) -> float:
    values = [rows.decision_row(d, 0) for d in _parse(raws)]
    engine = _fresh(url)
    started = time.perf_counter()
    for start in range(0, len(values), WRITE_BATCH):
        with engine.begin() as connection:
            connection.execute(insert(DecisionRow), values[start:start + WRITE_BATCH])
    elapsed = time.perf_counter() - started
    engine.dispose()
    return len(values) / elapsed


def write_store(url: str, raws: list[bytes]) -> tuple[float, Engine]:
    """Parse + idempotent batch writes, as the sink does per poll; returns rows/s and the filled store."""
    engine = _fresh(url)
    started = time.perf_counter()
    for start in range(0, len(raws), WRITE_BATCH):
        writes.write_batch(engine, rows.Batch(decisions=_parse(raws[start:start + WRITE_BATCH])), now_ms=0)
    return len(raws) / (time.perf_counter() - started), engine


def sink_through_kafka(url: str, raws: list[bytes], bootstrap: str) -> float:
    """Produce `raws` to a fresh decisions topic, run the real sink until all are stored; rows/s."""
    settings = Settings(bootstrap_servers=bootstrap, topic_prefix=f"bench-svc-{time.time_ns()}.", partitions=4,
                        sink_batch_max=WRITE_BATCH, sink_batch_wait_ms=50, purge_interval_s=0)
    asyncio.run(ensure_topics(settings))
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20})
    for raw in raws:
        producer.produce(settings.topic_names().decisions, value=raw, key=raw[20:40])
        producer.poll(0)
    producer.flush(60)
    engine = _fresh(url)
    sink, stop = StoreSink(settings, engine), threading.Event()
    thread = threading.Thread(target=sink.run, args=(stop,), daemon=True)
    thread.start()
    first: tuple[float, int] | None = None
    started = time.perf_counter()
    deadline = time.monotonic() + 300
    while sink.stats.records < len(raws) and time.monotonic() < deadline:
        if first is None and sink.stats.records:
            first = (time.perf_counter(), sink.stats.records)
        time.sleep(0.005)
    done = time.perf_counter()
    stop.set()
    thread.join(30)
    engine.dispose()
    if sink.stats.records < len(raws):
        raise RuntimeError(f"sink stored {sink.stats.records} of {len(raws)} records")
    if first is None:  # everything came in the first batch: no batch to start the clock from but the join
        first = (started, 0)
    return (len(raws) - first[1]) / (done - first[0])


def _timed(call: Callable[[], Any], rounds: int) -> dict[str, float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"p50_ms": statistics.median(samples), "p99_ms": samples[int(len(samples) * 0.99) - 1]}


def query_probes(c: Connection, picks: bulk_store.Picks, rng: random.Random) -> dict[str, Callable[[], Any]]:
    """One call per query kind, each on a random pick that exists in the store."""
    now_ms = int(time.time() * 1000)
    rules = sorted(picks.rules) or ["none"]

    def county(branch: str) -> Scope:
        return Scope("/".join(branch.split("/")[:3]))

    return {
        BASELINE: lambda: c.execute(text("SELECT record FROM decisions WHERE transaction_id = :t"),
                                    {"t": rng.choice(picks.transaction_ids)}).all(),
        "decision by transaction id": lambda: queries.get_decision(c, rng.choice(picks.transaction_ids), Scope(None)),
        "account's decisions (page 50)": lambda: queries.list_decisions(
            c, Scope(None), queries.Filters(), limit=50, entity=("account", rng.choice(picks.accounts))),
        "county subtree, action REVIEW (page 50)": lambda: queries.list_decisions(
            c, county(rng.choice(picks.branches)), queries.Filters(action="REVIEW"), limit=50),
        "province, one rule (page 50)": lambda: queries.list_decisions(
            c, Scope(rng.choice(picks.branches)[:2]), queries.Filters(rule=rng.choice(rules)), limit=50),
        "device risk profile": lambda: queries.entity_profile(c, "device", rng.choice(picks.devices), Scope(None),
                                                              now_ms),
    }


def query_latency(engine: Engine, picks: bulk_store.Picks) -> dict[str, dict[str, float]]:
    with engine.connect() as c:
        return {name: _timed(call, QUERY_ROUNDS) for name, call in query_probes(c, picks, random.Random(11)).items()}


def query_plans(engine: Engine, picks: bulk_store.Picks) -> dict[str, list[str]]:
    """PostgreSQL's plan for one call of each query kind (EXPLAIN of every statement it runs): the index
    scans it should show, not a sequential scan of a million rows."""
    plans: dict[str, list[str]] = {}
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    with engine.connect() as c:
        for name, call in query_probes(c, picks, random.Random(12)).items():
            statements.clear()
            event.listen(c, "before_cursor_execute", capture)
            with contextlib.suppress(FraudstreamError):  # a pick outside the probe's scope: the plan still shows
                call()
            event.remove(c, "before_cursor_execute", capture)
            cursor = c.connection.dbapi_connection.cursor()  # type: ignore[union-attr]  # psycopg 3, open
            plans[name] = []
            for statement, parameters in statements:
                cursor.execute(f"EXPLAIN {statement}", parameters)
                plans[name] += [row[0] for row in cursor.fetchall()]
            cursor.close()
    return plans


def bulk_queries(url: str, rows_n: int) -> dict[str, Any]:
    """A fresh store filled with `rows_n` cloned decisions (bulk_store), then query latency (and plans on
    PostgreSQL)."""
    engine = _fresh(url)
    picks = bulk_store.Picks()
    templates = _parse(synth_decisions(2000))
    started = time.perf_counter()
    loaded = bulk_store.load(engine, bulk_store.clones(templates, rows_n, int(time.time() * 1000), picks))
    figures: dict[str, Any] = {"rows": loaded, "load_s": time.perf_counter() - started}
    figures["queries"] = query_latency(engine, picks)
    if engine.dialect.name == "postgresql":
        figures["plans"] = query_plans(engine, picks)
    engine.dispose()
    return figures


def main(rows_n: int = 100_000, sink_rows: int = 20_000, bootstrap: str | None = None,
         query_rows: int = 1_000_000) -> dict[str, Any]:
    raws = synth_decisions(max(rows_n, sink_rows))
    pg = localpg.start()
    results: dict[str, Any] = {"rows": rows_n, "sink_rows": sink_rows, "query_rows": query_rows}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for name, url in (("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}"), ("postgresql", pg.url)):
                figures: dict[str, Any] = {}
                if rows_n:
                    figures["baseline_rows_s"] = write_baseline(url, raws[:rows_n])
                    figures["store_rows_s"], engine = write_store(url, raws[:rows_n])
                    engine.dispose()
                if bootstrap and sink_rows:
                    figures["sink_rows_s"] = sink_through_kafka(url, raws[:sink_rows], bootstrap)
                figures.update(bulk_queries(url, query_rows))
                results[name] = figures
    finally:
        localpg.stop(pg)
    return results
