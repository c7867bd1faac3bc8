"""End-to-end benchmark of one worker against a raw consume→produce passthrough on the same broker.

Reports saturation throughput (and its ratio to the passthrough ceiling measured in the same run),
produce→decision latency at fixed offered loads, and worker memory / on-disk state per active account.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from app.processes import spawn_worker, worker_env
from bench.exceptions import BenchError
from bench.load import LoadResult, run_load
from schemas.times import iso_utc

ROOT = Path(__file__).resolve().parent.parent


def transactions(count: int, accounts: int, start: int, base_ms: int) -> list[tuple[str, bytes, bytes]]:
    out = []
    for i in range(start, start + count):
        account = f"acc{i % accounts:07d}"
        tx_id = f"b{i:09d}"
        doc = {
            "transaction_id": tx_id, "event_time": iso_utc(base_ms + i % 4_000_000 * 20), "account_id": account,
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


def _start_worker(bootstrap: str, prefix: str, datadir: Path, partitions: int, engine: str,
                  name: str = "worker") -> subprocess.Popen[bytes]:
    env = worker_env(bootstrap=bootstrap, prefix=prefix, app_id=f"{prefix}app", datadir=datadir,
                     partitions=partitions, web_enabled="false", engine=engine, log_level="warning", max_age_s=0,
                     instance_id=name)
    datadir.parent.mkdir(parents=True, exist_ok=True)
    return spawn_worker(env, datadir.parent / f"{name}.log")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()


async def _ceiling(bootstrap: str, run: str, name: str, command: list[str], n: int, accounts: int,
                   base_ms: int, partitions: int) -> float:
    """Throughput of a bare consume→produce process (`command` gets the topics and group appended)."""
    source, target = f"{run}{name}-in", f"{run}{name}-out"
    await _create(bootstrap, [source, target], partitions)
    process = subprocess.Popen([*command, "--bootstrap", bootstrap, "--source", source,  # noqa: S603
                                "--target", target, "--group", f"{run}{name}"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        await run_load(bootstrap, source, target, transactions(2000, accounts, 0, base_ms), _tx_id, None,
                       timeout_s=120)  # warm-up, joins the group
        result = await run_load(bootstrap, source, target, transactions(n, accounts, 10_000_000, base_ms), _tx_id,
                                None, timeout_s=300)
    finally:
        _stop(process)
    return result.throughput


async def ceilings(bootstrap: str, *, n: int, accounts: int, partitions: int = 4) -> dict[str, float]:
    """Raw aiokafka passthrough (the baseline every ratio uses) and each framework's bare forward."""
    run, base_ms = f"ceil{int(time.time())}.", int(time.time() * 1000) - 86_400_000
    python = sys.executable
    return {
        "raw_aiokafka": await _ceiling(bootstrap, run, "raw", [python, "-m", "bench.passthrough"], n, accounts,
                                       base_ms, partitions),
        "faust_forward": await _ceiling(bootstrap, run, "faust", [python, "-m", "bench.forward", "--engine", "faust"],
                                        n, accounts, base_ms, partitions),
        "quix_forward": await _ceiling(bootstrap, run, "quix", [python, "-m", "bench.forward", "--engine", "quix"],
                                       n, accounts, base_ms, partitions),
    }


async def measure(bootstrap: str, *, engine: str, saturation_n: int, loads: tuple[int, ...], load_seconds: float,
                  accounts: int, partitions: int = 4) -> dict[str, Any]:
    """One worker on `engine`: saturation, latency at offered loads, memory and disk per active account."""
    results: dict[str, Any] = {}
    workdir = Path(tempfile.mkdtemp(prefix="fs-bench-"))
    run = f"bench{int(time.time())}.{engine}."
    base_ms = int(time.time() * 1000) - 86_400_000
    datadir = workdir / "worker-data"
    worker = _start_worker(bootstrap, run, datadir, partitions, engine)
    decisions = f"{run}risk-decisions"
    source = f"{run}transactions"
    try:
        warm = await run_load(bootstrap, source, decisions, transactions(2000, accounts, 0, base_ms), _tx_id, None,
                              timeout_s=180)
        if warm.received < warm.sent:
            raise BenchError(f"worker did not decide the warm-up ({warm.received}/{warm.sent}); see {workdir}")
        await asyncio.sleep(2)
        rss_warm, disk_warm = _rss_mb(worker.pid), _du_mb(datadir)
        sat = await run_load(bootstrap, source, decisions, transactions(saturation_n, accounts, 20_000_000, base_ms),
                             _tx_id, None, timeout_s=300)
        results["pipeline_tps"] = sat.throughput
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
        _stop(worker)
        shutil.rmtree(workdir, ignore_errors=True)
    return results


async def two_workers(bootstrap: str, *, engine: str, n: int, accounts: int, partitions: int = 8) -> float:
    """What two worker processes on `partitions` partitions decide together at saturation (tx/s)."""
    workdir = Path(tempfile.mkdtemp(prefix="fs-bench2-"))
    run = f"bench2w{int(time.time())}.{engine}."
    base_ms = int(time.time() * 1000) - 86_400_000
    workers = [_start_worker(bootstrap, run, workdir / f"w{i}-data", partitions, engine, name=f"w{i}")
               for i in (1, 2)]
    try:
        await run_load(bootstrap, f"{run}transactions", f"{run}risk-decisions",
                       transactions(4000, accounts, 0, base_ms), _tx_id, None, timeout_s=240)
        await asyncio.sleep(3)  # both members joined and recovered
        result = await run_load(bootstrap, f"{run}transactions", f"{run}risk-decisions",
                                transactions(n, accounts, 20_000_000, base_ms), _tx_id, None, timeout_s=300)
    finally:
        for worker in workers:
            _stop(worker)
        shutil.rmtree(workdir, ignore_errors=True)
    return result.throughput
