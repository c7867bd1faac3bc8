"""Baseline: a raw aiokafka consume→produce loop with no processing, the ceiling of this machine."""

from __future__ import annotations

import argparse
import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


async def passthrough(bootstrap: str, source: str, target: str, group: str) -> None:
    consumer = AIOKafkaConsumer(source, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest",
                                enable_auto_commit=True, max_poll_records=500)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await consumer.start()
    await producer.start()
    try:
        while True:
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                for record in records:
                    await producer.send(target, key=record.key, value=record.value)
    finally:
        await producer.stop()
        await consumer.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("--bootstrap", "--source", "--target", "--group"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    asyncio.run(passthrough(args.bootstrap, args.source, args.target, args.group))


if __name__ == "__main__":
    main()
