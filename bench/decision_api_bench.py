"""The in-event decision API against one worker: HTTP round trip at offered request rates, next to the
pipeline's own produce→decision latency measured in the same run, on the same worker.

The service runs as `fraudstream service run` in its own process (sink off, so only the decision path is
measured); the HTTP client is this process (aiohttp, one connection pool), firing requests on schedule (open
loop) so a slow answer does not slow the offered rate. Besides latency, it reports the CPU the service process
and the client spent per request: on a machine shared with other jobs, latency measures the machine, CPU per
request measures the service. Transactions are `pipeline_bench.transactions`:
channels mobile, online and quickpay (150 ms -> ALLOW) and pos (300 ms -> CHALLENGE), the default deadlines.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import numpy as np
import orjson
from prometheus_client.parser import text_string_to_metric_families

from app import localkafka
from app.processes import spawn_cli, worker_env
from bench.load import run_load
from bench.pipeline_bench import _start_worker, _stop, _tx_id, transactions
from service.store.api_keys import create_key
from service.store.engine import migrate, open_engine


def _start_service(bootstrap: str, prefix: str, workdir: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    store_url = f"sqlite:///{workdir / 'store.db'}"
    engine = open_engine(store_url)
    migrate(engine)
    key = create_key(engine, "bench", "*", 0)
    port = localkafka.free_port()
    env = worker_env(bootstrap=bootstrap, prefix=prefix, app_id=f"{prefix}svc", datadir=workdir, partitions=4,
                     store_url=store_url, service_port=port, sink_enabled="false", log_level="warning")
    return spawn_cli(["service", "run"], env, workdir / "service.log"), f"http://127.0.0.1:{port}", key


async def _wait_up(url: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"{url}/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.3)
    raise RuntimeError(f"service at {url} did not start")


async def http_load(url: str, key: str, bodies: list[bytes], rate: float) -> dict[str, float]:
    """POST each body at `rate`/s; p50/p99 of the round trip and the share answered by a fallback. The client
    is aiohttp (C HTTP parser): httpx cost this process 9-15 ms of CPU per request, more than the service."""
    latencies: list[float] = []
    fallbacks = errors = 0
    headers = {"X-API-Key": key, "Content-Type": "application/json"}
    async with aiohttp.ClientSession(base_url=url, headers=headers, timeout=aiohttp.ClientTimeout(total=10),
                                     connector=aiohttp.TCPConnector(limit=400)) as session:

        async def one(body: bytes) -> None:
            nonlocal fallbacks, errors
            started = time.perf_counter()
            status, payload = 0, b""
            try:
                async with session.post("/v1/decisions", data=body) as response:
                    status, payload = response.status, await response.read()
            except (aiohttp.ClientError, TimeoutError):  # counted, and its time counts in the percentiles
                pass
            latencies.append((time.perf_counter() - started) * 1000)
            if status != 200:
                errors += 1
            elif orjson.loads(payload).get("fallback"):
                fallbacks += 1

        first = time.perf_counter()
        tasks = []
        for index, body in enumerate(bodies):
            delay = first + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(body)))
        await asyncio.gather(*tasks)
    values = np.array(latencies)
    return {"requests": len(bodies), "p50_ms": float(np.percentile(values, 50)),
            "p99_ms": float(np.percentile(values, 99)), "fallback_share": fallbacks / len(bodies),
            "errors": errors}


async def _server_seconds(url: str) -> tuple[float, float]:
    """(sum, count) of the service's own request latency histogram: its share of the round trip."""
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"{url}/metrics")).text
    totals = {"sum": 0.0, "count": 0.0}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            for part in totals:
                if sample.name == f"fraudstream_api_decision_latency_seconds_{part}":
                    totals[part] += sample.value
    return totals["sum"], totals["count"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process used so far (Linux /proc): the service's cost per request, which
    a machine shared with other jobs does not distort the way it distorts latency."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(bootstrap: str, *, rates: tuple[int, ...] = (50, 100, 200), seconds: float = 5.0,
                  accounts: int = 20_000) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="fs-bench-api-"))
    run = f"benchapi{int(time.time())}."
    base_ms = int(time.time() * 1000) - 86_400_000
    worker = _start_worker(bootstrap, run, workdir / "worker-data", 4, "quix")
    service = None
    results: dict[Any, Any] = {}  # figures by offered rate (int), then the run's notes by name
    try:
        warm = await run_load(bootstrap, f"{run}transactions", f"{run}risk-decisions",
                              transactions(1000, accounts, 0, base_ms), _tx_id, None, timeout_s=180)
        if warm.received < warm.sent:
            raise RuntimeError(f"worker did not decide the warm-up ({warm.received}/{warm.sent}); see {workdir}")
        service, url, key = _start_service(bootstrap, run, workdir)
        pid = service.pid
        await _wait_up(url)
        await http_load(url, key, [v for _, _, v in transactions(100, accounts, 1_000_000, base_ms)], 50)  # warm
        offset = 2_000_000
        for rate in rates:
            n = int(rate * seconds)
            bodies = [v for _, _, v in transactions(n, accounts, offset, base_ms)]
            before, cpu_before, client_before = await _server_seconds(url), cpu_seconds(pid), time.process_time()
            api = await http_load(url, key, bodies, rate)
            after, cpu_after, client_after = await _server_seconds(url), cpu_seconds(pid), time.process_time()
            api["server_mean_ms"] = (after[0] - before[0]) / max(after[1] - before[1], 1) * 1000
            api["service_cpu_ms_per_request"] = (cpu_after - cpu_before) / n * 1000
            api["client_cpu_ms_per_request"] = (client_after - client_before) / n * 1000
            pipeline = await run_load(bootstrap, f"{run}transactions", f"{run}risk-decisions",
                                      transactions(n, accounts, offset + n, base_ms), _tx_id, rate, timeout_s=60)
            offset += 2 * n
            results[rate] = {"api": api, "pipeline": {"p50_ms": pipeline.percentile(50),
                                                      "p99_ms": pipeline.percentile(99),
                                                      "received": pipeline.received, "sent": pipeline.sent}}
    finally:
        if service is not None:
            _stop(service)
        _stop(worker)
        shutil.rmtree(workdir, ignore_errors=True)
    return results
