import asyncio
from collections import defaultdict
from collections.abc import Awaitable
from pathlib import Path

from app.replay import ReplayOptions, replay
from app.simulate import publish_records, topic_names
from sim import SimConfig, SimRecord, simulate, write_jsonl
from tests.conftest import record_traffic
from tests.integration.topic_reader import read_all

RECORDS = [r for r in simulate(SimConfig(seed=13, customers=150, days=1.0)) if r.kind == "transaction"]


def _source(bootstrap: str, prefix: str) -> str:
    asyncio.run(publish_records(RECORDS, bootstrap, topic_prefix=prefix, partitions=3))
    record_traffic("replay source", len(RECORDS))
    return topic_names(prefix)["transaction"]


def _replay(bootstrap: str, **options: object) -> list:
    target = f"{options.pop('prefix')}sandbox"
    stats = asyncio.run(replay(ReplayOptions(target_bootstrap=bootstrap, target_topic=target, **options)))
    record_traffic("replayed", stats.count)
    return asyncio.run(read_all(bootstrap, target))


def _per_key(messages: list) -> dict[bytes, list[tuple[bytes, int]]]:
    out: dict[bytes, list[tuple[bytes, int]]] = defaultdict(list)
    for m in sorted(messages, key=lambda m: (m.partition, m.offset)):
        out[m.key].append((m.value, m.timestamp))
    return dict(out)


def test_topic_replay_keeps_keys_order_and_timestamps(kafka_bootstrap: str, unique_prefix: str) -> None:
    source = _source(kafka_bootstrap, unique_prefix)
    replayed = _replay(kafka_bootstrap, prefix=unique_prefix, source_topic=source)
    assert _per_key(replayed) == _per_key(asyncio.run(read_all(kafka_bootstrap, source)))


def test_time_range_selects_only_messages_inside_it(kafka_bootstrap: str, unique_prefix: str) -> None:
    source = _source(kafka_bootstrap, unique_prefix)
    start, end = RECORDS[len(RECORDS) // 3].event_time_ms, RECORDS[2 * len(RECORDS) // 3].event_time_ms
    replayed = _replay(kafka_bootstrap, prefix=unique_prefix, source_topic=source, start_ms=start, end_ms=end)
    expected = sorted(r.event_time_ms for r in RECORDS if start <= r.event_time_ms < end)
    assert sorted(m.timestamp for m in replayed) == expected


def test_end_offsets_stop_each_partition(kafka_bootstrap: str, unique_prefix: str) -> None:
    source = _source(kafka_bootstrap, unique_prefix)
    replayed = _replay(kafka_bootstrap, prefix=unique_prefix, source_topic=source, end_offsets=5)
    assert len(replayed) == 15


def test_file_replay_keeps_keys_and_event_times(kafka_bootstrap: str, unique_prefix: str, tmp_path: Path) -> None:
    path = tmp_path / "sim.jsonl"
    write_jsonl(RECORDS[:100], path)
    replayed = _replay(kafka_bootstrap, prefix=unique_prefix, file=path, kind="transaction", partitions=2)
    assert sorted((m.key, m.timestamp) for m in replayed) == sorted(
        (r.key.encode(), r.event_time_ms) for r in RECORDS[:100])


def test_real_time_speed_spreads_messages_over_their_event_gap(kafka_bootstrap: str, unique_prefix: str,
                                                               tmp_path: Path) -> None:
    base = RECORDS[0]
    records = [SimRecord("transaction", base.key, base.value, base.event_time_ms + 400 * i,
                         base.deliver_at_ms + 400 * i) for i in range(3)]
    write_jsonl(records, tmp_path / "three.jsonl")
    loop_start = asyncio.run(_timed(replay(ReplayOptions(target_bootstrap=kafka_bootstrap,
                                                         target_topic=f"{unique_prefix}sandbox",
                                                         file=tmp_path / "three.jsonl", speed=1.0))))
    assert loop_start >= 0.75


async def _timed(coro: Awaitable[object]) -> float:
    loop = asyncio.get_running_loop()
    started = loop.time()
    await coro
    return loop.time() - started
