"""Every worker reads the whole control topic (no consumer group) and swaps its strategy atomically.

A worker that receives an invalid artifact keeps its last good version and logs why; it never applies
half a change. The topic is compacted, so a new worker rebuilds the current state from it at start.
"""

from __future__ import annotations

import asyncio
import dataclasses

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition

from app.control.holder import StrategyHolder
from app.control.records import ControlError, ControlRecord, verify
from app.settings import Settings

log = structlog.get_logger(__name__)

_SOURCE_FIELD = {"ruleset": "ruleset", "policy": "policy", "responses": "responses",
                 "model-champion": "champion", "model-challenger": "challenger"}
NO_MODEL = "none"  # pointer version that removes a model


class ControlPlane:
    def __init__(self, settings: Settings, holder: StrategyHolder) -> None:
        self._settings, self._holder = settings, holder
        self._artifacts: dict[str, ControlRecord] = {}
        self._active: dict[str, str] = {}
        self.last_error: str | None = None

    async def run(self) -> None:
        token = self._settings.admin_token.get_secret_value() if self._settings.admin_token else ""
        if not token:
            log.warning("control.disabled", reason="FRAUDSTREAM_ADMIN_TOKEN is not set; serving the default strategy")
            return
        topic = self._settings.topic("fraudstream-control")
        consumer = AIOKafkaConsumer(bootstrap_servers=self._settings.bootstrap_servers, group_id=None,
                                    enable_auto_commit=False, auto_offset_reset="earliest")
        await consumer.start()
        try:
            partition = TopicPartition(topic, 0)
            consumer.assign([partition])
            await consumer.seek_to_beginning(partition)
            while True:
                batch = await consumer.getmany(timeout_ms=500)
                records = [record for records in batch.values() for record in records]
                if records and self.ingest([(r.key, r.value) for r in records], token):
                    self.apply()
        except asyncio.CancelledError:
            raise
        finally:
            await consumer.stop()

    def ingest(self, records: list[tuple[bytes | None, bytes | None]], token: str) -> bool:
        """Fold records into the known artifacts and pointers; True when a pointer changed."""
        changed = False
        for key, value in records:
            if key is None or value is None:
                continue
            try:
                record = verify(value, token)
            except ControlError as err:
                log.error("control.record_refused", key=key.decode(errors="replace"), reason=str(err))
                continue
            if key.decode() == record.pointer_key():
                changed |= self._active.get(record.kind) != record.version
                self._active[record.kind] = record.version
            else:
                self._artifacts[record.artifact_key()] = record
        return changed

    def apply(self) -> None:
        sources = self._holder.sources
        updates: dict[str, str | None] = {}
        for kind, version in self._active.items():
            if kind.startswith("model-") and version == NO_MODEL:
                updates[_SOURCE_FIELD[kind]] = None
                continue
            artifact = self._artifacts.get(f"artifact:{kind}:{version}")
            if artifact is None:
                self._refuse(f"{kind} {version} is active but its artifact is missing from the control topic")
                return
            updates[_SOURCE_FIELD[kind]] = artifact.body
            if kind == "ruleset":
                updates["ruleset_source"] = f"control:{kind}:{version}"
        candidate = dataclasses.replace(sources, **updates)
        if candidate == sources:
            return
        try:
            self._holder.replace(candidate)
        except Exception as err:  # an invalid artifact must never stop the worker
            self._refuse(f"{type(err).__name__}: {err}")
            return
        self.last_error = None
        log.info("control.applied", **self._holder.versions_dict())

    def _refuse(self, reason: str) -> None:
        self.last_error = reason
        log.error("control.rejected", reason=reason[:2000], keeping=self._holder.versions_dict())
