"""Read the control topic from its start to its end, folding every record as a worker does."""

from __future__ import annotations

from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition

from app.control.exceptions import ControlError
from app.control.records import ControlState
from app.settings import Settings

OnRefused = Callable[[int, bytes | None, ControlError], None]  # offset, key, why


def control_consumer(settings: Settings) -> AIOKafkaConsumer:
    """No consumer group: every reader takes the whole topic, and fetches fit the largest record allowed. The first
    offset request finds the topic's metadata unknown and retries after `retry_backoff_ms`: 20, not 100, on
    every worker's start."""
    return AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers, group_id=None, enable_auto_commit=False,
                            auto_offset_reset="earliest", retry_backoff_ms=20,
                            max_partition_fetch_bytes=settings.control_max_record_bytes + 65536)


async def from_the_start(consumer: AIOKafkaConsumer, topic: str) -> tuple[TopicPartition, int]:
    """Assign the control topic's one partition at its start; returns it and its end offset, asked first: once a
    partition is assigned, the fetcher's long poll holds the broker connection and the offset request waits
    behind it (half a second on every start)."""
    partition = TopicPartition(topic, 0)
    end = (await consumer.end_offsets([partition]))[partition]
    consumer.assign([partition])
    await consumer.seek_to_beginning(partition)
    return partition, end


async def read_control(settings: Settings, token: str | None, on_refused: OnRefused | None = None) -> ControlState:
    """Fold the whole topic (`ControlState.fold`: refused records are skipped and handed to `on_refused`)."""
    state = ControlState(token, settings.control_max_record_bytes)
    topic = settings.topic("fraudstream-control")
    consumer = control_consumer(settings)
    try:
        await consumer.start()
        if topic not in await consumer.topics():
            return state  # nothing was ever published (the topic is created with the pipeline's topics)
        partition, end = await from_the_start(consumer, topic)
        while end and await consumer.position(partition) < end:
            batch = await consumer.getmany(partition, timeout_ms=1000)
            for record in batch.get(partition, []):
                outcome = state.fold(record.key, record.value)
                if isinstance(outcome, ControlError) and on_refused is not None:
                    on_refused(record.offset, record.key, outcome)
    finally:
        await consumer.stop()
    return state
