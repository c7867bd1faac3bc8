"""Historical traffic for a backtest, from any source, as the records the streaming agents would read.

Every source ends as one `History`: a re-startable stream of `(input topic, key, value)` records in
delivery order (transactions, account events and labels interleaved as they reached the bus, so label-fed
features see each verdict only from its confirmation on). Nothing is held in memory for a file, a
simulation or the topics (read asynchronously): each run starts a fresh pass, and the ground truth is folded
from the labels as they go by.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from app.backtest.exceptions import BacktestError
from app.exceptions import AppError
from app.field_mapping import FieldMapping
from app.history_input import EVENTS, LABELS, TRANSACTIONS, Feed, FileInput, ReplayRecord, merge_async, sim_feed
from app.replay_sources import end_offsets, read_topic
from app.row_import import DEFAULT_MAX_REJECT_SHARE
from sim.config import SimConfig
from sim.engine import simulate
from sim.records import SimRecord


@dataclass(frozen=True)
class History:
    """`feeds()` starts a fresh pass over the records; `expected` is their number when cheaply known."""

    feeds: Callable[[], Iterable[Feed] | AsyncIterator[Feed]]  # Kafka topics are read asynchronously
    source: str  # what was read, for the report
    expected: int | None = None

    def count_transactions(self) -> int:
        """A full pass, counting (tests and small inputs; a backtest counts as it runs)."""
        feeds = self.feeds()
        if not isinstance(feeds, Iterable):
            raise BacktestError(f"{self.source} is read asynchronously; count its transactions as it is run")
        return sum(1 for topic, _, _ in feeds if topic == TRANSACTIONS)


def from_sim_records(records: Iterable[SimRecord], source: str) -> History:
    """Records already in memory (tests, small worlds)."""
    feeds = [sim_feed(r) for r in records]
    return History(lambda: iter(feeds), source, len(feeds))


def from_simulation(config: SimConfig) -> History:
    """A fresh simulated world (deterministic for the config's seed), simulated again on every pass."""
    source = f"simulate(seed={config.seed}, customers={config.customers}, days={config.days:g}, " \
             f"fraud_rate={config.fraud_rate:g})"
    return History(lambda: (sim_feed(r) for r in simulate(config)), source)


def from_file(path: Path, *, mapping: FieldMapping | None = None, labels_path: Path | None = None,
              max_reject_share: float = DEFAULT_MAX_REJECT_SHARE) -> History:
    """A simulator JSONL file (all kinds), or any JSONL/CSV/Parquet export of transactions read through a
    field mapping, with labels from a second file (mapped by the mapping's `labels:` section)."""
    source = FileInput(path, mapping, labels_path, max_reject_share)
    try:
        if source.is_sim and labels_path is not None:
            raise BacktestError(f"{path} is a simulator file and holds its labels; drop --labels")
        expected = source.expected_records()
    except OSError as err:
        raise BacktestError(f"cannot read backtest input {path}: {err}") from err
    return History(source.feeds, source.source, expected)


async def from_topics(bootstrap: str, prefix: str = "", *, start_ms: int | None = None,
                      end_ms: int | None = None) -> History:
    """The `transactions`, `account-events` and `fraud-labels` topics (with `prefix`) in a time range, merged
    by timestamp as they are read (partitions and topics alike), so memory holds a fetch per partition, not
    the history. Each pass reads the topics again, up to the end offsets they had when this was called."""
    ends: dict[str, dict[int, int]] = {}
    for topic in (EVENTS, TRANSACTIONS, LABELS):
        try:
            ends[topic] = await end_offsets(bootstrap, prefix + topic)
        except AppError as err:
            if topic == TRANSACTIONS:
                raise BacktestError(f"cannot read {prefix + topic} from {bootstrap}: {err}") from err
            # no events or no labels yet: still a valid (if less informative) backtest

    async def tagged(topic: str) -> AsyncIterator[tuple[str, ReplayRecord]]:
        async for record in read_topic(bootstrap, prefix + topic, start_ms=start_ms, end_ms=end_ms,
                                       end_offsets=ends[topic]):
            yield topic, record

    return History(lambda: merge_async(*(tagged(topic) for topic in ends)),
                   f"kafka {bootstrap} topics {prefix}{{{EVENTS},{TRANSACTIONS},{LABELS}}}")


__all__ = ["EVENTS", "LABELS", "TRANSACTIONS", "Feed", "History", "from_file", "from_sim_records",
           "from_simulation", "from_topics"]
