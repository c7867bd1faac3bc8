"""The broker look-ups a Quix Streams worker makes while it starts, asked in a few batches instead of one by one.

Quix Streams 3.28 asks the broker one question at a time while it starts:
- every topic a dataframe or a state store names: the cluster's metadata, then that topic's configs (two round
  trips per topic, 14 topics);
- at each assignment, every assigned partition's watermarks: one request per data partition (for its
  out-of-range check) and one per changelog partition (whether the store must recover). Once the partitions
  are assigned, each waits behind a fetch the broker holds up to `fetch.wait.max.ms`.
After a kill -9 those ~90 round trips were about 2 s of the 5-6 s before the first decision (issue 15).

`StartupAdmin` asks for all the pipeline's topics at once and answers Quix's single questions from that
snapshot, a topic's answer once. `batched_watermarks` asks for every assigned partition's watermarks in two
requests, before Quix assigns them (so no fetch is in flight yet), and `watermarks_from` answers Quix's
per-partition look-ups from them within that assignment callback. Each answer is as fresh as the one Quix
would have got. Anything a snapshot lacks (a topic created since, a partition whose look-up failed) is asked
of the broker as Quix would have asked it, so no check is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import structlog
from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, TopicPartition
from quixstreams.models.topics import TopicAdmin, TopicConfig

from app.readiness import TP

log = structlog.get_logger(__name__)

Watermarks = Mapping[TP, tuple[int, int]]


class StartupAdmin(TopicAdmin):
    """Quix's topic admin, answering the start's per-topic look-ups from one batch.

    `topics` are the pipeline's own topics; `internal_prefix` starts the names of the topics Quix creates for
    the consumer group (`changelog__<group>--`), whose full names only Quix knows.
    """

    def __init__(self, broker_address: str, topics: Iterable[str], internal_prefix: str,
                 extra_config: Mapping[str, Any] | None = None) -> None:
        super().__init__(broker_address=broker_address, extra_config=extra_config)
        self._wanted, self._internal_prefix = frozenset(topics), internal_prefix
        self._answers: dict[str, TopicConfig] | None = None

    def inspect_topics(self, topic_names: list[str], timeout: float = 30) -> dict[str, TopicConfig | None]:
        if self._answers is None:
            existing = self.list_topics(timeout=timeout)
            batch = sorted({*topic_names, *(name for name in existing
                                            if name in self._wanted or name.startswith(self._internal_prefix))})
            self._answers = {name: config for name, config in super().inspect_topics(batch, timeout).items()
                             if config is not None}
        names = list(dict.fromkeys(topic_names))
        if all(name in self._answers for name in names):
            return {name: self._answers.pop(name) for name in names}
        return super().inspect_topics(topic_names, timeout)  # missing (created since, or never): ask


def batched_watermarks(consumer: Any, partitions: Iterable[TP], timeout_s: float) -> Watermarks:
    """(low, high) of each partition from two ListOffsets requests on the consumer's own connection, with the
    consumer's isolation level: what `get_watermark_offsets` gives, one partition at a time. A partition whose
    look-up failed is left out (its caller asks the broker itself).

    `offsets_for_times` sends the Kafka protocol's ListOffsets with each partition's timestamp as given; the
    protocol reads timestamp -2 as the earliest offset and -1 as the latest, the two look-ups librdkafka's
    `get_watermark_offsets` makes (tests/integration/test_quix_startup.py holds them equal)."""
    tps = list(partitions)
    if not tps:
        return {}
    lows, highs = ({(tp.topic, tp.partition): tp
                    for tp in consumer.offsets_for_times([TopicPartition(topic, partition, end)
                                                          for topic, partition in tps], timeout=timeout_s)}
                   for end in (OFFSET_BEGINNING, OFFSET_END))
    out: dict[TP, tuple[int, int]] = {}
    for tp in tps:
        low, high = lows.get(tp), highs.get(tp)
        if low is not None and high is not None and low.error is None and high.error is None \
                and low.offset >= 0 and high.offset >= 0:
            out[tp] = (low.offset, high.offset)
        else:
            error = (low and low.error) or (high and high.error) or "no offset"
            log.warning("quix.watermark_unbatched", topic=tp[0], partition=tp[1], error=str(error)[:200])
    return out


@contextmanager
def watermarks_from(consumer: Any, snapshot: Watermarks) -> Iterator[None]:
    """Inside the block, Quix's consumer answers `get_watermark_offsets` for a partition in `snapshot` from it,
    and asks the broker for everything else (a cached look-up, a partition the batch missed). The block is one
    assignment callback: nothing is consumed or produced on those partitions meanwhile, so the snapshot stays
    what the broker would say (the account store's changelog is asked once per input topic it joins).

    Quix Streams calls its consumer's `get_watermark_offsets` (public on `BaseConsumer`) per partition from its
    assignment callback and its recovery manager, and offers no hook to batch them; the block shadows the
    method on this one consumer object and restores it on the way out."""
    ask: Callable[..., tuple[int, int]] = consumer.get_watermark_offsets

    def answer(partition: TopicPartition, timeout: float | None = None, cached: bool = False) -> tuple[int, int]:
        known = None if cached else snapshot.get((partition.topic, partition.partition))
        return known if known is not None else ask(partition, timeout=timeout, cached=cached)

    consumer.get_watermark_offsets = answer
    try:
        yield
    finally:
        del consumer.get_watermark_offsets
