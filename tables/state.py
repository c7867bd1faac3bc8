"""Faust table definitions. Each table is keyed by its entity id and co-partitioned with its stage topic.

A table write is a changelog record Faust hands to its producer, and its state change is only recoverable once
the broker took it. Each changelog send holds the input being processed (`agents.delivery.DeliveryGuard`) like
its outputs do: a changelog record the broker refuses never lets the input be committed. The write has already
changed this worker's store, though, and the redelivered input is a repeat that writes nothing, so each refused
key is remembered (`UnsentChangelog`) and its current value sent again before the parked input is retried.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import faust

from agents.delivery import DeliveryGuard
from agents.topology import STATE_TABLES

MIB = 1024 * 1024


@dataclass(frozen=True)
class StoreSizing:
    """RocksDB sizing per table partition; Faust's defaults (2 GiB block cache, 3 x 64 MiB memtables) would need
    many GiB with four tables and dozens of partitions."""

    rocksdb: bool
    cache_mb: int
    write_buffer_mb: int

    def options(self) -> dict[str, int] | None:
        if not self.rocksdb:
            return None
        return {"block_cache_size": self.cache_mb * MIB, "write_buffer_size": self.write_buffer_mb * MIB,
                "max_write_buffer_number": 2}


class FaustBytesTable:
    """A Faust table as the handlers' `BytesTable` (`tables.codec`). A read is one store lookup: the table's own
    `get` looks the key up twice (`key in table`, then `table[key]`, since the table has `__missing__`) and calls
    its read sensor. Writes and deletes go through the table, so each one still reaches the changelog (and its
    delivery guard, `define_tables`)."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, key: bytes) -> bytes | None:
        try:
            value: bytes = self._table.data[key]
        except KeyError:
            return None
        return value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._table[key] = value

    def __delitem__(self, key: bytes) -> None:
        del self._table[key]


@dataclass
class UnsentChangelog:
    """Table keys whose changelog record the broker refused, by (table, partition, key)."""

    _keys: dict[tuple[str, int, Any], tuple[Any, Callable[..., Any]]] = field(default_factory=dict)

    def add(self, table: Any, send: Callable[..., Any], partition: int, key: Any) -> None:
        self._keys[(table.name, partition, key)] = (table, send)

    def __len__(self) -> int:
        return len(self._keys)

    async def resend(self, partition: int) -> None:
        """Send each refused key of `partition` again with its current value (a tombstone when it is gone) and
        wait for the broker; raises its refusal, keeping what is still unsent."""
        for entry in [k for k in self._keys if k[1] == partition]:
            table, send = self._keys[entry]
            _, _, key = entry
            await send(partition, key, table.data.get(key))
            del self._keys[entry]


def define_tables(app: faust.App, partitions: int, sizing: StoreSizing,
                  guard: DeliveryGuard | None = None, unsent: UnsentChangelog | None = None) -> dict[str, Any]:
    """One table per entity of the chain, and the score stage's first decisions, by name. With `guard`, an input
    is acked only once the changelog records of its table writes are delivered; `unsent` then collects the keys
    whose record the broker refused."""
    tables = {
        entity: app.Table(f"{entity}-state", key_type=bytes, value_type=bytes, partitions=partitions,
                          options=sizing.options(), help=f"{entity} state (risk/features, agents/first_decision.py)")
        for entity in STATE_TABLES
    }
    if guard is not None:
        for table in tables.values():
            _hold_changelog_sends(table, guard, unsent if unsent is not None else UnsentChangelog())
    return tables


def _hold_changelog_sends(table: Any, guard: DeliveryGuard, unsent: UnsentChangelog) -> None:
    """Each changelog send of `table` holds the input being processed (Faust's current event) until the broker
    took it, like its outputs. Set on the instance: a `faust.Table` subclass here would load Faust in every
    process that reads the settings, the Quix worker's too."""
    send = table.send_changelog

    def send_changelog(partition: int, key: Any, *args: Any, **kwargs: Any) -> Any:
        future = send(partition, key, *args, **kwargs)

        def refused(done: Any) -> None:
            if done.cancelled() or done.exception() is not None:
                unsent.add(table, send, partition, key)

        future.add_done_callback(refused)
        event = faust.current_event()  # a write outside an agent has no input to hold (faust refuses it anyway)
        if event is not None:
            guard.hold(event.message, [future])
        return future

    table.send_changelog = send_changelog
