"""Quix's per-partition watermark look-ups are answered from the assignment's batch, and only inside it."""

from __future__ import annotations

from confluent_kafka import TopicPartition

from app.quix_admin import watermarks_from


class BrokerSide:
    """Stands for Quix's consumer: remembers which partitions it had to ask the broker about."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, int, bool]] = []

    def get_watermark_offsets(self, partition: TopicPartition, timeout: float | None = None,
                              cached: bool = False) -> tuple[int, int]:
        self.asked.append((partition.topic, partition.partition, cached))
        return 100, 200


def test_partitions_in_the_batch_are_answered_from_it_every_time_they_are_asked_inside_the_block():
    consumer = BrokerSide()
    with watermarks_from(consumer, {("tx", 0): (3, 9), ("changelog", 0): (0, 41)}):
        assert consumer.get_watermark_offsets(TopicPartition("tx", 0), timeout=30) == (3, 9)
        assert consumer.get_watermark_offsets(TopicPartition("changelog", 0), timeout=10) == (0, 41)
        assert consumer.get_watermark_offsets(TopicPartition("changelog", 0), timeout=10) == (0, 41)
    assert consumer.asked == []


def test_a_partition_the_batch_missed_and_a_cached_look_up_still_go_to_the_broker():
    consumer = BrokerSide()
    with watermarks_from(consumer, {("tx", 0): (3, 9)}):
        assert consumer.get_watermark_offsets(TopicPartition("tx", 1)) == (100, 200)
        assert consumer.get_watermark_offsets(TopicPartition("tx", 0), cached=True) == (100, 200)
    assert consumer.asked == [("tx", 1, False), ("tx", 0, True)]


def test_after_the_block_every_look_up_goes_to_the_broker_again():
    consumer = BrokerSide()
    with watermarks_from(consumer, {("tx", 0): (3, 9)}):
        pass
    assert consumer.get_watermark_offsets(TopicPartition("tx", 0)) == (100, 200)
    assert consumer.asked == [("tx", 0, False)]
    assert "get_watermark_offsets" not in vars(consumer)


def test_the_broker_is_asked_again_after_the_block_even_when_it_raised():
    consumer = BrokerSide()
    try:
        with watermarks_from(consumer, {("tx", 0): (3, 9)}):
            raise RuntimeError("an assignment that failed")
    except RuntimeError:
        pass
    assert consumer.get_watermark_offsets(TopicPartition("tx", 0)) == (100, 200)
