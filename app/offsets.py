"""Per-partition offsets of one worker: acked position (engine), committed offset and log end (broker).

The acked position is the next offset after the last record this worker's engine finished (Quix: processed
and stored for the next checkpoint; Faust: acked by the agent). The committed offset and the log end are read
from the broker every `metrics_interval_s`, by a client of our own, so the figures do not depend on what the
engine believes it committed. Read in that order (acked, then committed), commit lag never shows a commit the
worker has not done yet, and a commit that stays behind for several intervals is a stuck partition.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

log = structlog.get_logger(__name__)

TP = tuple[str, int]


@dataclass(frozen=True)
class PartitionOffsets:
    topic: str
    partition: int
    acked: int
    committed: int
    end: int

    @property
    def consumer_lag(self) -> int:
        return max(self.end - max(self.acked, self.committed), 0)

    @property
    def commit_lag(self) -> int:
        return max(self.acked - self.committed, 0)


def partition_offsets(assigned: Collection[TP], acked: Mapping[TP, int], committed: Mapping[TP, int],
                      end: Mapping[TP, int]) -> list[PartitionOffsets]:
    """One row per assigned partition; a partition with no commit yet counts from 0, with no record acked
    since the assignment from its committed offset."""
    rows = []
    for topic, partition in sorted(assigned):
        done = committed.get((topic, partition), 0)
        rows.append(PartitionOffsets(topic, partition, acked.get((topic, partition), done), done,
                                     end.get((topic, partition), 0)))
    return rows


class OffsetMonitor:
    """Polls the broker for the group's commits and the log ends of the partitions the worker owns."""

    def __init__(self, bootstrap: str, group: str, topics: Collection[str], assigned: Callable[[], Collection[TP]],
                 acked: Callable[[], Mapping[TP, int]], interval_s: float) -> None:
        self._bootstrap, self._group, self._topics = bootstrap, group, set(topics)
        self._assigned, self._acked, self._interval_s = assigned, acked, interval_s
        self.rows: list[PartitionOffsets] = []

    def snapshot(self) -> list[PartitionOffsets]:
        return self.rows

    async def run(self) -> None:
        """For the life of the worker; broker errors are logged and retried, never raised."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap)
        ends = AIOKafkaConsumer(bootstrap_servers=self._bootstrap, group_id=None, enable_auto_commit=False)
        started = False
        try:
            while True:
                try:
                    if not started:
                        await admin.start()
                        await ends.start()
                        started = True
                    await self.poll(admin, ends)
                except asyncio.CancelledError:
                    raise
                except Exception as err:
                    log.warning("offsets.poll_failed", error=repr(err)[:300])
                await asyncio.sleep(self._interval_s)
        finally:
            if started:
                await ends.stop()
                await admin.close()

    async def poll(self, admin: AIOKafkaAdminClient, ends: AIOKafkaConsumer) -> None:
        assigned = [tp for tp in self._assigned() if tp[0] in self._topics]
        acked = dict(self._acked())  # before the commits: commit lag never shows a commit not yet done
        if not assigned:
            self.rows = []
            return
        commits = await admin.list_consumer_group_offsets(self._group)
        committed = {(tp.topic, tp.partition): meta.offset for tp, meta in commits.items() if meta.offset >= 0}
        ends_by_tp = await ends.end_offsets([TopicPartition(*tp) for tp in assigned])
        end = {(tp.topic, tp.partition): offset for tp, offset in ends_by_tp.items()}
        self.rows = partition_offsets(assigned, acked, committed, end)
