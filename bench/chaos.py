"""`make chaos`: the reliability probes an attacker and an operator would run, as a table per engine.

Everything runs on loopback against a broker of its own (or `KAFKA_BOOTSTRAP_SERVERS`), paced, and stops by
itself. Each probe starts real workers (`fraudstream worker`), drives them from outside and reads the outputs
back from the topics:

- bad inputs: hostile records on every input topic -> each is decided or dead-lettered, none lost;
- kill -9 cycles, one worker: lost, decisions that changed, time to the first decision after each restart
  (by the decisions' broker timestamps) and time until the backlog is decided;
- two workers, one killed for good: lost, changed, time until its partitions' backlog is decided;
- broker outage (the broker frozen with SIGSTOP, then resumed): lost, time to the first decision after;
- control-plane attacks (poison key, replayed pointer, forged signature, oversize record): refused (a
  dead letter with the record's position) and the worker still up, still on the published ruleset.

`tests/integration/test_chaos.py` runs a small version of the same probes in `make test`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import orjson
from confluent_kafka import Consumer, Producer
from pydantic import SecretStr

from app import localkafka
from app.control.publish import publish
from app.control.records import ControlRecord, sign
from app.processes import ManagedWorker, worker_env
from app.rulesets import bundle
from app.settings import DevSettings, Settings, build_settings
from risk.rules import compile_ruleset, parse_ruleset
from schemas import DeadLetter
from schemas.times import iso_utc

ADMIN_TOKEN = "chaos-admin-token"  # noqa: S105 - a throwaway token for a throwaway loopback broker


@dataclass
class Row:
    """One probe on one engine; `None` where a column does not apply."""

    engine: str
    probe: str
    sent: int = 0
    decided: int = 0
    dead_lettered: int = 0
    lost: int | None = None
    changed: int | None = None
    first_decision_s: list[float] = field(default_factory=list)
    catch_up_s: list[float] = field(default_factory=list)
    refused: bool | None = None
    worker_up: bool | None = None
    note: str = ""


@dataclass
class Seen:
    """What a tail consumer read: decisions (with broker timestamps, seconds) and dead letters."""

    decisions: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)

    def first_by_tx(self) -> dict[str, float]:
        first: dict[str, float] = {}
        for at, decision in self.decisions:
            first.setdefault(decision["transaction_id"], at)
        return first

    def changed(self) -> int:
        copies: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for _, decision in self.decisions:
            copies[decision["transaction_id"]].append(
                {name: value for name, value in decision.items() if name != "timings_ms"})
        return sum(1 for same in copies.values() if any(copy != same[0] for copy in same[1:]))


class Tail:
    """Reads the decisions and dead-letter topics from the start on a thread, until stopped."""

    def __init__(self, bootstrap: str, prefix: str) -> None:
        self.seen = Seen()
        self._stop = threading.Event()
        self._topics = (f"{prefix}risk-decisions", f"{prefix}dead-letter")
        self._consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{prefix}chaos-tail",
                                   "auto.offset.reset": "earliest", "enable.auto.commit": False})
        self._thread = threading.Thread(target=self._run, name="chaos-tail", daemon=True)

    def __enter__(self) -> Tail:
        self._consumer.subscribe(list(self._topics))
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)
        self._consumer.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            message = self._consumer.poll(0.2)
            if message is None or message.error():
                continue
            if message.topic() == self._topics[0]:
                self.seen.decisions.append((message.timestamp()[1] / 1000, orjson.loads(message.value())))
                continue
            try:  # a dead letter must follow the published schema; one that does not is reported as such
                value = DeadLetter.model_validate_json(message.value()).model_dump(mode="json")
            except ValueError:
                value = {"error": {"code": "dead_letter_invalid"}, "source_topic": message.topic(),
                         "partition": message.partition(), "offset": message.offset()}
            self.seen.dead_letters.append(value)

    def wait(self, done: Callable[[Seen], bool], timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if done(self.seen):
                return True
            time.sleep(0.2)
        return done(self.seen)


def transaction(n: int, run: str, accounts: int = 50, **overrides: Any) -> dict[str, Any]:
    """A valid transfer, its event time at the wall clock (so retention and lateness treat it as live)."""
    now_ms = int(time.time() * 1000)
    doc = {"transaction_id": f"{run}-{n:07d}", "event_time": iso_utc(now_ms), "account_id": f"acc{n % accounts:04d}",
           "customer_id": f"cus{n % accounts:04d}",
           "branch": {"province": "44", "city": "4401", "county": f"44010{n % 3}"},
           "channel": ("mobile", "online", "quickpay")[n % 3], "tx_type": "transfer",
           "amount": f"{(n * 37) % 9000 + 10}.00", "counterparty": {"id": f"payee{n % 7}", "kind": "account"},
           "device_id": f"dev{n % max(accounts // 2, 1)}", "geo": {"lat": 23.1 + (n % 5) * 0.01, "lon": 113.2}}
    doc.update(overrides)
    return doc


class Paced:
    """Produces valid transactions at `rate` per second on a thread; remembers what it sent and when."""

    def __init__(self, bootstrap: str, prefix: str, run: str, rate: float, accounts: int = 50) -> None:
        self.sent: list[tuple[float, str]] = []
        self._producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
        self._topic, self._run_id, self._rate, self._accounts = f"{prefix}transactions", run, rate, accounts
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="chaos-producer", daemon=True)

    def __enter__(self) -> Paced:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self._producer.flush(30)

    def _loop(self) -> None:
        started, n = time.monotonic(), 0
        while not self._stop.is_set():
            due = started + n / self._rate
            if due > time.monotonic():
                time.sleep(min(due - time.monotonic(), 0.05))
                continue
            doc = transaction(n, self._run_id, self._accounts)
            self._producer.produce(self._topic, key=doc["account_id"].encode(), value=orjson.dumps(doc))
            self.sent.append((time.time(), doc["transaction_id"]))
            self._producer.poll(0)
            n += 1


@dataclass
class Lab:
    """One broker and a fresh topic prefix per probe."""

    bootstrap: str
    workdir: Path
    broker_pid: int | None
    counter: int = 0

    def prefix(self) -> str:
        """Topics of their own per probe: nothing an earlier probe left on the broker can leak in."""
        self.counter += 1
        return f"chaos{uuid.uuid4().hex[:8]}-{self.counter}."

    def worker(self, name: str, prefix: str, engine: str, partitions: int = 4, **extra: str | int) -> ManagedWorker:
        port = localkafka.free_port()
        env = worker_env(bootstrap=self.bootstrap, prefix=prefix, app_id=f"{prefix}app".replace(".", "-"),
                         datadir=self.workdir / prefix / f"{name}-data", partitions=partitions, engine=engine,
                         instance_id=name, web_port=port, admin_token=ADMIN_TOKEN, commit_interval_s=0.5,
                         session_timeout_s=8, log_level="warning", **extra)
        (self.workdir / prefix).mkdir(parents=True, exist_ok=True)
        return ManagedWorker(name, env, self.workdir / prefix / f"{name}.log", port)


def _produce_raw(bootstrap: str, records: list[tuple[str, bytes | None, bytes]], compression: str = "none"
                 ) -> list[str]:
    """Send as an attacker with write access would; returns the broker's refusals (one per refused record)."""
    errors: list[str] = []
    producer = Producer({"bootstrap.servers": bootstrap, "message.max.bytes": 2_000_000,
                         "compression.type": compression})
    for topic, key, value in records:
        producer.produce(topic, key=key, value=value,
                         on_delivery=lambda err, _msg: errors.append(str(err)) if err is not None else None)
        producer.poll(0)
    producer.flush(30)
    return errors


def hostile_inputs(prefix: str, run: str) -> list[tuple[str, bytes | None, bytes]]:
    """Records no producer should send, each of a kind seen in the wild or in a fuzzer."""
    good = transaction(0, run)
    bad_docs = [
        {**good, "transaction_id": f"{run}-types", "amount": ["12"]},
        {**good, "transaction_id": f"{run}-enum", "channel": "telepathy"},
        {**good, "transaction_id": f"{run}-future", "event_time": "2099-01-01T00:00:00+00:00"},
        {**good, "transaction_id": f"{run}-ancient", "event_time": "1971-01-01T00:00:00+00:00"},
        {**good, "transaction_id": f"{run}-negative", "amount": "-5.00"},
        {**good, "transaction_id": f"{run}-nan", "amount": "NaN"},
        {**good, "transaction_id": f"{run}-naive", "event_time": "2026-01-01T00:00:00"},
        {**good, "transaction_id": "\u202e" + "x" * 300},
        {key: value for key, value in good.items() if key != "account_id"},
    ]
    topic = f"{prefix}transactions"
    records: list[tuple[str, bytes | None, bytes]] = [(topic, b"k", orjson.dumps(doc)) for doc in bad_docs]
    nested = b"[" * 5000 + b"]" * 5000
    records += [(topic, b"k", raw) for raw in (b"not json", b"{", b"[]", b"null", b"\xff\xfe\x00", nested,
                                               b'{"transaction_id": "' + b"x" * 900_000 + b'"}')]
    records.append((topic, b"\xff\xfe-not-utf8", orjson.dumps({**good, "transaction_id": f"{run}-keybytes",
                                                                "amount": "x"})))
    records += [(f"{prefix}account-events", b"k", raw) for raw in (b"{}", b"garbage", orjson.dumps({"kind": 1}))]
    records += [(f"{prefix}fraud-labels", b"k", raw) for raw in (b"{}", b"\x00", orjson.dumps({"is_fraud": "yes"}))]
    return records


def probe_bad_inputs(lab: Lab, engine: str, valid: int = 50) -> Row:
    prefix = lab.prefix()
    run = f"bad{lab.counter}"
    worker = lab.worker("w", prefix, engine).start()
    row = Row(engine, "bad inputs")
    try:
        worker.wait_healthy()
        hostile = hostile_inputs(prefix, run)
        docs = [transaction(n, run) for n in range(1, valid + 1)]
        _produce_raw(lab.bootstrap, hostile + [(f"{prefix}transactions", d["account_id"].encode(), orjson.dumps(d))
                                               for d in docs])
        with Tail(lab.bootstrap, prefix) as tail:
            wanted = {d["transaction_id"] for d in docs}
            tail.wait(lambda s: wanted <= set(s.first_by_tx()) and len(s.dead_letters) >= len(hostile), 90)
            positions = {(d["source_topic"], d["partition"], d["offset"]) for d in tail.seen.dead_letters}
            row.sent, row.dead_lettered = len(hostile) + valid, len(positions)
            row.decided = len(set(tail.seen.first_by_tx()) & wanted)
            row.lost = row.sent - row.decided - row.dead_lettered
            row.worker_up = worker.alive() and worker.healthy()
            codes = sorted({d["error"]["code"] for d in tail.seen.dead_letters})
            row.note = "codes: " + ", ".join(codes)
    finally:
        worker.kill()
    return row


def _restart_figures(seen: Seen, sent: list[tuple[float, str]], restarted_at: list[float]
                     ) -> tuple[list[float], list[float]]:
    """Per restart: seconds to the first decision stamped after it, and until everything sent before it was
    decided (0 when nothing was waiting)."""
    first = seen.first_by_tx()
    stamps = sorted(at for at, _ in seen.decisions)
    first_decision, catch_up = [], []
    for at in restarted_at:
        after = next((stamp for stamp in stamps if stamp >= at), None)
        first_decision.append(round(after - at, 2) if after is not None else float("nan"))
        waiting = [first.get(tx_id, float("inf")) for sent_at, tx_id in sent if sent_at < at]
        catch_up.append(round(max(max(waiting, default=at) - at, 0.0), 2))
    return first_decision, catch_up


def _settle(row: Row, tail: Tail, load: Paced, marks: list[float]) -> list[float]:
    """Stop the load, wait for every transaction sent to be decided, and count into `row` what was sent, decided,
    lost and changed, and the catch-up after each mark (a restart, a resumed broker). Returns the seconds to
    the first decision after each mark."""
    load.stop()
    wanted = {tx_id for _, tx_id in load.sent}
    tail.wait(lambda s: wanted <= set(s.first_by_tx()), 120)
    row.sent, row.decided = len(wanted), len(wanted & set(tail.seen.first_by_tx()))
    row.lost, row.changed = row.sent - row.decided, tail.seen.changed()
    first_decision, row.catch_up_s = _restart_figures(tail.seen, load.sent, marks)
    return first_decision


def probe_kill_cycles(lab: Lab, engine: str, cycles: int, rate: float, run_s: float) -> Row:
    prefix = lab.prefix()
    worker = lab.worker("w", prefix, engine).start()
    row = Row(engine, f"kill -9 x{cycles}, one worker")
    restarted_at: list[float] = []
    try:
        worker.wait_healthy()
        with Tail(lab.bootstrap, prefix) as tail, Paced(lab.bootstrap, prefix, f"kill{lab.counter}", rate) as load:
            for _ in range(cycles):
                time.sleep(run_s)
                worker.kill()
                restarted_at.append(time.time())
                worker.start()
                # the next kill only once this worker decides: each restart is measured on its own
                tail.wait(partial(_decided_since, restarted_at[-1]), 120)
            time.sleep(run_s)
            row.first_decision_s = _settle(row, tail, load, restarted_at)
            row.worker_up = worker.alive()
    finally:
        worker.kill()
    return row


def probe_two_workers(lab: Lab, engine: str, rate: float, run_s: float) -> Row:
    prefix = lab.prefix()
    first = lab.worker("a", prefix, engine).start()
    second = lab.worker("b", prefix, engine)
    row = Row(engine, "two workers, one killed for good")
    try:
        first.wait_healthy()
        second.start().wait_healthy()
        with Tail(lab.bootstrap, prefix) as tail, Paced(lab.bootstrap, prefix, f"two{lab.counter}", rate) as load:
            time.sleep(run_s)
            first.kill()
            killed_at = time.time()
            time.sleep(run_s)
            _settle(row, tail, load, [killed_at])  # the survivor took over: no restart of its own to time
            row.worker_up = second.alive()
    finally:
        first.kill()
        second.kill()
    return row


def probe_broker_outage(lab: Lab, engine: str, rate: float, outage_s: float) -> Row:
    row = Row(engine, f"broker frozen {outage_s:.0f} s")
    if lab.broker_pid is None:
        row.note = "skipped: the broker is not ours (KAFKA_BOOTSTRAP_SERVERS)"
        return row
    prefix = lab.prefix()
    worker = lab.worker("w", prefix, engine).start()
    try:
        worker.wait_healthy()
        with Tail(lab.bootstrap, prefix) as tail, Paced(lab.bootstrap, prefix, f"out{lab.counter}", rate) as load:
            time.sleep(3)
            os.kill(lab.broker_pid, signal.SIGSTOP)
            time.sleep(outage_s)
            os.kill(lab.broker_pid, signal.SIGCONT)
            resumed_at = time.time()
            time.sleep(5)
            row.first_decision_s = _settle(row, tail, load, [resumed_at])
            row.worker_up = worker.alive()
    finally:
        os.kill(lab.broker_pid, signal.SIGCONT)
        worker.kill()
    return row


def _raw_records(bootstrap: str, topic: str, timeout_s: float = 10.0) -> list[tuple[bytes, bytes]]:
    """Every record on `topic` as it stands on the broker: what an attacker with write access can copy."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"chaos-read-{time.time_ns()}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    records: list[tuple[bytes, bytes]] = []
    deadline, idle_since = time.monotonic() + timeout_s, time.monotonic()
    try:
        while time.monotonic() < deadline and time.monotonic() - idle_since < 3:
            message = consumer.poll(0.2)
            if message is not None and not message.error():
                records.append((message.key(), message.value()))
                idle_since = time.monotonic()
    finally:
        consumer.close()
    return records


def _ruleset_text(version: str) -> str:
    return bundle(Settings().ruleset_path).replace("version: 2026.11.1", f"version: {version}", 1)


def _compiled_version(text: str) -> str:
    return compile_ruleset(parse_ruleset(text)).version


def _decided_since(since: float, seen: Seen) -> bool:
    """A decision came out at or after `since` (wall-clock seconds)."""
    return any(at >= since for at, _ in seen.decisions[-50:])


def _control_refused_since(index: int, seen: Seen) -> bool:
    """A control record was dead-lettered after the first `index` dead letters."""
    return any(d["error"]["code"].startswith("control_") for d in seen.dead_letters[index:])


def probe_control_attacks(lab: Lab, engine: str) -> list[Row]:
    """Publish v1 then v2, then attack; after the attacks a transaction must still be decided on v2."""
    prefix = lab.prefix()
    max_record = 256 * 1024
    settings = Settings(bootstrap_servers=lab.bootstrap, topic_prefix=prefix, admin_token=SecretStr(ADMIN_TOKEN))
    worker = lab.worker("w", prefix, engine, control_max_record_bytes=max_record).start()
    rows = []
    try:
        worker.wait_healthy()
        texts = [_ruleset_text(f"2026.12.{n}") for n in (1, 2)]
        v1, v2 = (_compiled_version(text) for text in texts)
        for version, text in zip((v1, v2), texts, strict=True):
            asyncio.run(publish(settings, "ruleset", version, text, author="chaos"))
        control = settings.topic_names().control
        pointers = [(key, value) for key, value in _raw_records(lab.bootstrap, control)
                    if key.startswith(b"active:ruleset")]
        (old_key, old_value), (new_key, new_value) = pointers[0], pointers[-1]
        newest = ControlRecord.model_validate_json(new_value)
        forged = sign(newest.model_copy(update={"version": v1, "published_at_ms": newest.published_at_ms + 1}),
                      "not-the-admin-token")
        attacks = {
            "poison key (not UTF-8)": (b"\xff\xfe" + new_key, new_value),
            "replayed older pointer": (old_key, old_value),
            "forged signature": (forged.pointer_key().encode(), forged.model_dump_json().encode()),
            "oversize record": (b"artifact:ruleset:huge", b"{" + b" " * (max_record + 1024) + b"}"),
        }
        with Tail(lab.bootstrap, prefix) as tail:
            for name, (key, value) in attacks.items():
                before = len(tail.seen.dead_letters)
                # gzip: a record that squeezes under the topic's byte limit and unpacks past the worker's
                _produce_raw(lab.bootstrap, [(control, key, value)], compression="gzip")
                refused = tail.wait(partial(_control_refused_since, before), 30)
                up = worker.alive() and worker.healthy()
                letters = tail.seen.dead_letters[before:]
                rows.append(Row(engine, f"control: {name}", sent=1, dead_lettered=len(letters), refused=refused,
                                worker_up=up, note=", ".join(d["error"]["code"] for d in letters)))
            probe = transaction(0, f"ctl{lab.counter}")
            _produce_raw(lab.bootstrap, [(f"{prefix}transactions", probe["account_id"].encode(),
                                          orjson.dumps(probe))])
            tail.wait(lambda s: probe["transaction_id"] in s.first_by_tx(), 60)
            decided_on = next((d["ruleset_version"] for _, d in tail.seen.decisions
                               if d["transaction_id"] == probe["transaction_id"]), None)
            for row in rows:
                row.note += f"; next decision on {decided_on} (active {v2})"
                row.refused = bool(row.refused and decided_on == v2)
    finally:
        worker.kill()
    return rows


@contextmanager
def lab(dev: DevSettings, workdir: Path) -> Iterator[Lab]:
    """A broker of our own (frozen and resumed by the outage probe), or the one `KAFKA_BOOTSTRAP_SERVERS` names."""
    if dev.external_bootstrap:
        yield Lab(dev.external_bootstrap, workdir, None)
        return
    handle = localkafka.start(dev, "chaos")
    try:
        yield Lab(handle.bootstrap, workdir, handle.pid)
    finally:
        localkafka.stop(dev, "chaos")


@dataclass(frozen=True)
class Plan:
    """How hard to push: `make chaos` uses the defaults, the test in `make test` a small plan."""

    cycles: int = 5
    rate: float = 100.0
    run_s: float = 8.0
    outage_s: float = 30.0
    bad_valid: int = 200


SMALL = Plan(cycles=1, rate=40.0, run_s=4.0, outage_s=5.0, bad_valid=20)


PROBES = ("bad", "kill", "two", "outage", "control")


def run_probes(lab: Lab, engine: str, plan: Plan, progress: Callable[[str], None] = lambda _: None,
               probes: tuple[str, ...] = PROBES) -> list[Row]:
    """The `probes` named (all by default), in a fixed order: bad inputs, kill -9 cycles, two workers, broker
    outage, control-plane attacks."""
    rows = []
    if "bad" in probes:
        progress(f"{engine}: bad inputs")
        rows.append(probe_bad_inputs(lab, engine, plan.bad_valid))
    if "kill" in probes:
        progress(f"{engine}: kill -9 cycles")
        rows.append(probe_kill_cycles(lab, engine, plan.cycles, plan.rate, plan.run_s))
    if "two" in probes:
        progress(f"{engine}: two workers, one killed")
        rows.append(probe_two_workers(lab, engine, plan.rate, plan.run_s))
    if "outage" in probes:
        progress(f"{engine}: broker outage")
        rows.append(probe_broker_outage(lab, engine, plan.rate, plan.outage_s))
    if "control" in probes:
        progress(f"{engine}: control-plane attacks")
        rows += probe_control_attacks(lab, engine)
    return rows


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, list):
        return " ".join(f"{item:.1f}" for item in value) if value else "-"
    return str(value)


def render(rows: list[Row], engine: str) -> Any:
    from rich.table import Table

    table = Table(title=f"make chaos — {engine}")
    columns = ("probe", "sent", "decided", "dead-lettered", "lost", "changed", "first decision s",
               "catch-up s", "refused", "worker up", "note")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        if row.engine == engine:
            table.add_row(row.probe, _cell(row.sent), _cell(row.decided), _cell(row.dead_lettered), _cell(row.lost),
                          _cell(row.changed), _cell(row.first_decision_s), _cell(row.catch_up_s),
                          _cell(row.refused), _cell(row.worker_up), row.note)
    return table


def main() -> int:
    import argparse
    import json
    from dataclasses import asdict

    from rich.console import Console

    from app.logs import configure_logging

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", nargs="+", default=["quix", "faust"], choices=["quix", "faust"])
    parser.add_argument("--cycles", type=int, default=Plan.cycles)
    parser.add_argument("--rate", type=float, default=Plan.rate, help="transactions per second while probing")
    parser.add_argument("--run-s", type=float, default=Plan.run_s, help="seconds of traffic between kills")
    parser.add_argument("--outage-s", type=float, default=Plan.outage_s)
    parser.add_argument("--probes", nargs="+", default=list(PROBES), choices=PROBES,
                        help="which probes to run (all by default); e.g. `--probes kill` for restart times only")
    args = parser.parse_args()
    configure_logging("warning")
    plan = Plan(cycles=args.cycles, rate=args.rate, run_s=args.run_s, outage_s=args.outage_s)
    console = Console()
    out = Path(__file__).resolve().parent.parent / "var" / "chaos"
    out.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    with lab(build_settings(DevSettings), out / "work") as where, console.status("chaos") as status:
        for engine in args.engines:
            rows += run_probes(where, engine, plan, lambda text: status.update(text), tuple(args.probes))
    for engine in args.engines:
        console.print(render(rows, engine))
    (out / "chaos.json").write_text(json.dumps([asdict(row) for row in rows], indent=2))
    console.print(f"written to {out / 'chaos.json'}")
    failed = [row for row in rows if row.lost or row.changed or row.refused is False or row.worker_up is False]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
