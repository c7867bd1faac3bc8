"""Faust table definitions. Each table is keyed by its entity id and co-partitioned with its stage topic.

A table write is a changelog record Faust hands to its producer, and its state change is only recoverable once
the broker took it. `GuardedTable` holds the input being processed (`agents.delivery.DeliveryGuard`) until its
changelog records are delivered too: a changelog send the broker refuses never lets the input be committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import faust
from faust.streams import current_event

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


class GuardedTable(faust.Table):
    """A table whose changelog sends belong to the input that caused them, like its outputs (`guard.hold`)."""

    guard: DeliveryGuard | None = None

    def send_changelog(self, *args: Any, **kwargs: Any) -> Any:
        future = super().send_changelog(*args, **kwargs)
        event = current_event()  # a write outside an agent has no input to hold (faust refuses it anyway)
        if self.guard is not None and event is not None:
            self.guard.hold(event.message, [future])
        return future


def define_tables(app: faust.App, partitions: int, sizing: StoreSizing,
                  guard: DeliveryGuard | None = None) -> dict[str, Any]:
    """One table per entity of the chain, and the score stage's first decisions, by name. With `guard`, an input
    is acked only once the changelog records of its table writes are delivered."""
    tables = {}
    for entity in STATE_TABLES:
        table = GuardedTable(app, name=f"{entity}-state", beacon=app.tables.beacon, key_type=bytes,
                             value_type=bytes, partitions=partitions, options=sizing.options(),
                             help=f"{entity} state (risk/features, agents/first_decision.py)")
        table.guard = guard
        tables[entity] = app.tables.add(table)
    return tables

