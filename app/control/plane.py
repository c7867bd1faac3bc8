"""Every worker reads the whole control topic (no consumer group) and swaps its strategy atomically.

A worker that receives an invalid artifact keeps its last good version and logs why; it never applies
half a change. The topic is compacted, so a new worker rebuilds the current state from it at start. A worker
starts on the active versions already (`app.control.start`), so this re-read applies only once it reaches the
topic's end, finds the same sources and compiles nothing.
Nothing read here can stop a worker: a record that cannot be read, verified or applied is logged, counted
(`control.refused.<code>` on /metrics) and dead-lettered with its position, then skipped.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter
from dataclasses import dataclass

import structlog
from aiokafka import AIOKafkaProducer

from agents.dead_letter import KEY_LIMIT_BYTES, dead_letter_bytes
from app.control.active import active_sources
from app.control.exceptions import ControlError
from app.control.holder import StrategyHolder
from app.control.reader import control_consumer, from_the_start
from app.control.records import ControlState, Refusal
from app.settings import Settings
from risk.rules import RulesetLimitError

log = structlog.get_logger(__name__)

_RETRY_S = 2.0


@dataclass(frozen=True)
class ControlMessage:
    """One record as read from the control topic; headers are carried but never trusted."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True)
class RefusedRecord:
    message: ControlMessage
    error: ControlError


class ControlPlane:
    def __init__(self, settings: Settings, holder: StrategyHolder, counts: Counter[str] | None = None) -> None:
        self._settings, self._holder = settings, holder
        token = settings.admin_token.get_secret_value() if settings.admin_token else ""
        self._state = ControlState(token, settings.control_max_record_bytes)
        self.counts: Counter[str] = counts if counts is not None else Counter()
        self.refused: list[RefusedRecord] = []  # waiting to be dead-lettered
        self._read_at: dict[str, ControlMessage] = {}  # artifact key -> where it was read (value dropped)
        self.last_error: str | None = None
        self.caught_up = False  # read to the topic's end once and applied: the worker may report ready

    @property
    def topic(self) -> str:
        return self._settings.topic("fraudstream-control")

    async def run(self) -> None:
        """Follow the control topic for the life of the worker; connection failures are retried, never raised."""
        if not self._state.token:
            log.warning("control.disabled", reason="FRAUDSTREAM_ADMIN_TOKEN is not set; serving the default strategy")
            self.caught_up = True  # nothing will be read: the default strategy is the one to serve
            return
        while True:
            try:
                await self._follow()
            except asyncio.CancelledError:
                raise
            except Exception as err:  # the broker or the dead-letter send failed: retry, keep serving
                self.counts["control.read_errors"] += 1
                log.error("control.read_failed", error=repr(err)[:500], retry_in_s=_RETRY_S)
                await asyncio.sleep(_RETRY_S)

    async def _follow(self) -> None:
        consumer = control_consumer(self._settings)
        producer = AIOKafkaProducer(bootstrap_servers=self._settings.bootstrap_servers, acks="all")
        await consumer.start()
        await producer.start()
        try:
            partition, end = await from_the_start(consumer, self.topic)
            # re-read from the start: rebuild, never double-apply
            self._state = ControlState(self._state.token, self._settings.control_max_record_bytes)
            changed = False
            while True:
                batch = await consumer.getmany(timeout_ms=500)
                messages = [ControlMessage(r.partition, r.offset, r.key, r.value, tuple(r.headers or ()))
                            for records in batch.values() for r in records]
                changed |= bool(messages) and self.ingest(messages)
                at_end = await consumer.position(partition) >= end
                # applied only once read to the end: a worker that started on the active versions
                # (`app.control.start`) never passes through older ones while this re-reads the topic
                if changed and at_end:
                    # compiling a large ruleset takes a while: off the event loop, so decisions go on (Faust)
                    await asyncio.to_thread(self.apply)
                    changed = False
                await self._dead_letter(producer)
                if not self.caught_up and at_end:
                    self.caught_up = True
                    log.info("control.caught_up", offset=end, **self._holder.versions_dict())
        finally:
            await consumer.stop()
            await producer.stop()

    def ingest(self, messages: list[ControlMessage]) -> bool:
        """Fold records into the known artifacts and pointers; True when a pointer changed. Never raises."""
        changed = False
        for message in messages:
            outcome = self._state.fold(message.key, message.value)
            if isinstance(outcome, ControlError):
                self._refuse_record(message, outcome)
            else:
                changed |= outcome
                if message.key and message.key.startswith(b"artifact:"):  # folded, so the key is UTF-8
                    self._read_at[message.key.decode()] = dataclasses.replace(message, value=None)
        return changed

    def apply(self) -> None:
        """Build the strategy the active pointers name and swap it in; on any failure keep the current one."""
        try:
            self._apply()
        except RulesetLimitError as err:  # over FRAUDSTREAM_RULES_MAX_*: dead-letter the artifact itself
            self._refuse_active_ruleset(err)
        except Exception as err:  # never let an artifact stop the worker
            self._refuse(f"{type(err).__name__}: {err}")

    def _apply(self) -> None:
        sources = self._holder.sources
        try:
            candidate = active_sources(self._state, sources)
        except ControlError as err:  # a pointer to an artifact not (yet) read: keep the current strategy
            self._refuse(str(err))
            return
        if candidate == sources:
            return
        self._holder.replace(candidate, self._settings.ruleset_limits())
        self.last_error = None
        self.counts["control.applied"] += 1
        log.info("control.applied", **self._holder.versions_dict())

    def _refuse_record(self, message: ControlMessage, error: ControlError) -> None:
        self.counts[f"control.refused.{error.code}"] += 1
        self.refused.append(RefusedRecord(message, error))
        del self.refused[:-1000]  # bounded even if dead letters cannot be sent
        log.error("control.record_refused", code=error.code, partition=message.partition,
                  offset=message.offset, key=(message.key or b"")[:200].decode("utf-8", errors="replace"),
                  reason=str(error)[:500])

    def _refuse_active_ruleset(self, err: RulesetLimitError) -> None:
        """Log, count and dead-letter the active ruleset artifact with the limit's code; keep the old one."""
        self.last_error = str(err)
        pointer = self._state.pointers["ruleset"]
        artifact = self._state.artifacts[pointer.artifact_key()]
        at = self._read_at.get(pointer.artifact_key(), ControlMessage(0, -1, None, None))
        message = dataclasses.replace(at, key=pointer.artifact_key().encode(),
                                      value=artifact.model_dump_json().encode())
        code = Refusal.TOO_MANY_RULES if err.code == "too_many_rules" else Refusal.LIST_TOO_LARGE
        self._refuse_record(message, ControlError(str(err), code))

    def _refuse(self, reason: str) -> None:
        self.last_error = reason
        self.counts["control.rejected"] += 1
        log.error("control.rejected", reason=reason[:2000], keeping=self._holder.versions_dict())

    async def _dead_letter(self, producer: AIOKafkaProducer) -> None:
        while self.refused:
            body = dead_letter_record(self.topic, self.refused[0], self._settings.max_message_bytes)
            await producer.send_and_wait(self._settings.topic("dead-letter"),
                                         key=(self.refused[0].message.key or b"")[:KEY_LIMIT_BYTES], value=body)
            self.refused.pop(0)


def dead_letter_record(topic: str, refused: RefusedRecord, max_value_bytes: int) -> bytes:
    message = refused.message
    return dead_letter_bytes(source_topic=topic, partition=message.partition, offset=message.offset,
                             key=message.key, value=message.value, code=refused.error.code,
                             message=str(refused.error), received_ms=int(time.time() * 1000),
                             max_value_bytes=max_value_bytes)
