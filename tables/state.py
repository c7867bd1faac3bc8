"""Table definitions. Each table is keyed by its entity id and co-partitioned with its stage topic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import faust

from app.settings import Settings

ENTITY_TABLES = ("account", "device", "location", "counterparty")


@dataclass(frozen=True)
class StateTables:
    account: Any
    device: Any
    location: Any
    counterparty: Any

    def for_entity(self, entity: str) -> Any:
        return getattr(self, entity)


def define_tables(app: faust.App, settings: Settings) -> StateTables:
    """Faust's RocksDB defaults (2 GiB block cache, 3 x 64 MiB memtables) apply per table partition: with four
    tables and dozens of partitions a worker would need many GiB, so both are sized from settings."""
    mib = 1024 * 1024
    options = {"block_cache_size": settings.state_cache_mb * mib,
               "write_buffer_size": settings.state_write_buffer_mb * mib, "max_write_buffer_number": 2}
    tables = {
        entity: app.Table(
            f"{entity}-state",
            key_type=bytes,
            value_type=bytes,
            partitions=settings.partitions,
            options=options if settings.store.startswith("rocksdb") else None,
            help=f"windowed {entity} state (see risk/features)",
        )
        for entity in ENTITY_TABLES
    }
    return StateTables(**tables)
