"""Framework ceilings: the cheapest consume→produce each engine can do, with no processing at all.

`faust`: an agent that forwards every event (`stream.events()` → `topic.send`), the per-event machinery
our Faust stages pay. `quix`: `app.dataframe(source).to_topic(target)`. Both run beside the raw aiokafka
passthrough in the same bench run, so the engine rows read as fractions of what each framework can do.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from typing import Any


def faust_forward(bootstrap: str, source: str, target: str, group: str) -> None:
    import faust

    from app import kafka_transport

    kafka_transport.register()
    app = faust.App(group, broker=f"{kafka_transport.SCHEME}://{bootstrap}", store="memory://",
                    datadir=tempfile.mkdtemp(prefix="fs-forward-"), key_serializer="raw", value_serializer="raw",
                    consumer_auto_offset_reset="earliest", producer_linger_ms=5, web_enabled=False,
                    autodiscover=False, loghandlers=[])
    inbound = app.topic(source, key_type=bytes, value_type=bytes)
    outbound = app.topic(target, key_type=bytes, value_type=bytes)

    @app.agent(inbound)
    async def forward(stream: Any) -> None:
        async for event in stream.events():
            await outbound.send(key=event.key, value=event.value)

    app.producer.buffer.max_messages = 20_000
    sys.argv = [sys.argv[0], "worker", "--loglevel", "warn"]
    app.main()


def quix_forward(bootstrap: str, source: str, target: str, group: str) -> None:
    from quixstreams import Application

    app = Application(broker_address=bootstrap, consumer_group=group, auto_offset_reset="earliest", loglevel=None,
                      state_dir=tempfile.mkdtemp(prefix="fs-forward-"), consumer_poll_timeout=0.1,
                      producer_extra_config={"linger.ms": 5})
    inbound = app.topic(source, key_deserializer="bytes", value_deserializer="bytes")
    outbound = app.topic(target, key_serializer="bytes", value_serializer="bytes")
    app.dataframe(inbound).to_topic(outbound)
    app.run()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["faust", "quix"], required=True)
    for name in ("--bootstrap", "--source", "--target", "--group"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    run = faust_forward if args.engine == "faust" else quix_forward
    run(args.bootstrap, args.source, args.target, args.group)


if __name__ == "__main__":
    main()
