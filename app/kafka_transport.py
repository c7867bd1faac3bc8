"""Faust's aiokafka transport with a short fetch long-poll, registered as the `fskafka://` scheme.

Faust hard-codes `fetch_max_wait_ms=1500` for the worker's consumer. aiokafka does not re-fetch a
partition while a long poll for the others is in flight, so in a chain of stages every hop can wait up to
1.5 s for the previous stage's output: at moderate, paced load that, not CPU, sets throughput and latency.
"""

from __future__ import annotations

from typing import Any

from faust.transport import drivers
from faust.transport.drivers import aiokafka as faust_aiokafka

SCHEME = "fskafka"
FETCH_MAX_WAIT_MS = 20


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read when the consumer starts its fetcher
        return consumer


class _Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    Consumer = _Consumer


def register() -> None:
    drivers.TRANSPORTS.aliases.setdefault(SCHEME, f"{__name__}:Transport")
