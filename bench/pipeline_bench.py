"""End-to-end benchmark of one worker against a raw consume→produce passthrough on the same broker.

Reports saturation throughput (and its ratio to the passthrough ceiling measured in the same run),
produce→decision latency at fixed offered loads, and worker memory / on-disk state per active account.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.load import LoadResult, run_load

ROOT = Path(__file__).resolve().parent.parent


def transactions(count: int, accounts: int, start: int, base_ms: int) -> list[tuple[str, bytes, bytes]]:
    out = []
    for i in range(start, start + count):
        account = f"acc{i % accounts:07d}"
        tx_id = f"b{i:09d}"
        doc = {
            "transaction_id": tx_id, "event_time": _iso(base_ms + i % 4_000_000 * 20), "account_id": account,
            "customer_id": f"c{i % accounts:07d}",
            "branch": {"province": "44", "city": f"44{i % 6:02d}", "county": f"44{i % 6:02d}{i % 5:02d}"},
            "channel": ("mobile", "online", "quickpay", "pos")[i % 4], "tx_type": "transfer",
            "amount": f"{(i * 7919) % 20000 + 1}.00",
            "counterparty": {"id": f"p{(i * 31) % (accounts // 2 + 1):07d}", "kind": "account"},
            "device_id": f"d{i % accounts:07d}", "geo": {"lat": 23.0 + (i % 50) * 0.01, "lon": 113.0},
            "customer_age": 20 + i % 60,
        }
        out.append((tx_id, account.encode(), orjson.dumps(doc)))
    return out


def _iso(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat()


def _tx_id(value: bytes) -> str:
    return orjson.loads(value)["transaction_id"]


async def _create(bootstrap: str, names: list[str], partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, partitions, 1) for n in names])
    finally:
        await admin.close()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _du_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def _start_worker(bootstrap: str, prefix: str, datadir: Path, partitions: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "FRAUDSTREAM_TOPIC_PREFIX": prefix,
           "FRAUDSTREAM_APP_ID": f"{prefix}app", "FRAUDSTREAM_PARTITIONS": str(partitions),
           "FRAUDSTREAM_DATADIR": str(datadir), "FRAUDSTREAM_WEB_ENABLED": "false",
           "FRAUDSTREAM_LOG_LEVEL": "warning", "FRAUDSTREAM_MAX_AGE_S": "0"}
    log = (datadir.parent / "worker.log").open("wb")
    return subprocess.Popen([sys.executable, "-m", "app.cli", "worker"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


async def measure(bootstrap: str, *, saturation_n: int, loads: tuple[int, ...], load_seconds: float,
                  accounts: int, partitions: int = 4) -> dict[str, Any]:
    results: dict[str, Any] = {}
    workdir = Path(tempfile.mkdtemp(prefix="fs-bench-"))
    run = f"bench{int(time.time())}."
    base_ms = int(time.time() * 1000) - 86_400_000

    # 1. baseline: raw passthrough
    await _create(bootstrap, [f"{run}raw-in", f"{run}raw-out"], partitions)
    passthrough = subprocess.Popen([sys.executable, "-m", "bench.passthrough", "--bootstrap", bootstrap,  # noqa: S603
                                    "--source", f"{run}raw-in", "--target", f"{run}raw-out", "--group",
                                    f"{run}raw"], cwd=ROOT)
    try:
        await run_load(bootstrap, f"{run}raw-in", f"{run}raw-out", transactions(2000, accounts, 0, base_ms),
                       _tx_id, None)  # warm-up, joins the group
        raw = await run_load(bootstrap, f"{run}raw-in", f"{run}raw-out",
                             transactions(saturation_n, accounts, 10_000_000, base_ms), _tx_id, None)
    finally:
        passthrough.terminate()
        passthrough.wait(10)
    results["passthrough_tps"] = raw.throughput

    # 2. the pipeline, one worker
    datadir = workdir / "worker-data"
    worker = _start_worker(bootstrap, run, datadir, partitions)
    decisions = f"{run}risk-decisions"
    source = f"{run}transactions"
    try:
        warm = await run_load(bootstrap, source, decisions, transactions(2000, accounts, 0, base_ms), _tx_id, None,
                              timeout_s=180)
        if warm.received < warm.sent:
            raise RuntimeError(f"worker did not decide the warm-up ({warm.received}/{warm.sent}); see {workdir}")
        await asyncio.sleep(2)
        rss_warm, disk_warm = _rss_mb(worker.pid), _du_mb(datadir)
        sat = await run_load(bootstrap, source, decisions, transactions(saturation_n, accounts, 20_000_000, base_ms),
                             _tx_id, None, timeout_s=300)
        results["pipeline_tps"] = sat.throughput
        results["ratio_to_passthrough"] = sat.throughput / raw.throughput if raw.throughput else float("nan")
        offered: dict[int, LoadResult] = {}
        offset = 30_000_000
        for rate in loads:
            n = int(rate * load_seconds)
            offered[rate] = await run_load(bootstrap, source, decisions, transactions(n, accounts, offset, base_ms),
                                           _tx_id, rate, timeout_s=120)
            offset += n
        results["offered"] = {rate: {"sent": r.sent, "received": r.received, "p50_ms": r.percentile(50),
                                     "p99_ms": r.percentile(99), "achieved_tps": r.throughput}
                              for rate, r in offered.items()}
        await asyncio.sleep(2)
        rss, disk = _rss_mb(worker.pid), _du_mb(datadir)
        active = min(accounts, 2000 + saturation_n + sum(int(rate * load_seconds) for rate in loads))
        added = max(active - min(accounts, 2000), 1)
        results.update(rss_mb=rss, state_disk_mb=disk, active_accounts=active,
                       rss_mb_per_100k_accounts=(rss - rss_warm) / added * 100_000,
                       disk_mb_per_100k_accounts=(disk - disk_warm) / added * 100_000)
    finally:
        worker.terminate()
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    return results
