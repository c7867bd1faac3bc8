"""Faust table definitions. Each table is keyed by its entity id and co-partitioned with its stage topic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import faust

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


def define_tables(app: faust.App, partitions: int, sizing: StoreSizing) -> dict[str, Any]:
    """One table per entity of the chain, and the score stage's first decisions, by name."""
    return {
        entity: app.Table(f"{entity}-state", key_type=bytes, value_type=bytes, partitions=partitions,
                          options=sizing.options(), help=f"{entity} state (risk/features, agents/first_decision.py)")
        for entity in STATE_TABLES
    }

