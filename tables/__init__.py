"""Entity state tables: one Faust table per entity kind, RocksDB-backed, changelog-replicated."""
