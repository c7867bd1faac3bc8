"""A transaction's first decision is the only one that reaches the output topics.

Each entity stage re-emits the features it first computed for a redelivered transaction, but only while the
entity still holds that snapshot (`replay_capacity`): a busy payee can age it out before an upstream stage,
redone after a crash or a partition move, sends the transaction again. The redo then carries other features
and, before this store existed, could reach another action (BLOCK, then ALLOW) on the output topics.

The score stage therefore keeps the outputs it emitted for each recent transaction, and answers any later
copy with exactly those bytes. Why that is enough under at-least-once: a stage processes its partition in
order, so the first copy of a transaction in the score topic is decided first; a crash before that decision's
record was checkpointed replays the same copy from the same state, which decides the same; any later copy
finds the record. What is kept is bounded per account by event time (`horizon_ms`: longer than any redo
takes) and by count.

Layout: the account's key (the topic's key, so the engines keep it in the message's partition) holds a small
index `{"i": [[transaction_id, event_time_ms], ...]}`, and each transaction's outputs sit under their own key
(`sub_key(account, transaction_id)`). A decision with its feature snapshot is about 4 KB of JSON (1 KB
deflated); keeping all of an account's decisions in one value rewrote up to 64 of them, and sent them to the
changelog, on every transaction. Now a transaction writes its own record and the index.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import orjson

from tables.codec import BytesTable, StateStore, sub_key


@dataclass(frozen=True)
class FirstDecisionConfig:
    horizon_ms: int = 60 * 60_000  # a redo arrives within a session timeout plus the catch-up: minutes
    capacity: int = 64  # decisions kept per account at most, the oldest dropped first


@dataclass(frozen=True)
class Recorded:
    """The outputs emitted the first time, re-sent unchanged (JSON round-trips them byte for byte)."""

    decision: dict[str, Any]
    alert: dict[str, Any] | None
    blocks: list[dict[str, Any]]
    ingest_ms: int
    source_tag: str

    def encode(self) -> bytes:
        """Deflated JSON: a decision's feature snapshot shrinks about 3.5 times, in the store's write-ahead
        log and in the changelog topic alike, for some 20 µs; it is read back only for a redelivery."""
        return zlib.compress(orjson.dumps([self.decision, self.alert, self.blocks, self.ingest_ms,
                                           self.source_tag]), 1)

    @classmethod
    def decode(cls, raw: bytes) -> Recorded:
        decision, alert, blocks, ingest_ms, source_tag = orjson.loads(zlib.decompress(raw))
        return cls(decision, alert, blocks, ingest_ms, source_tag)


class FirstDecisions:
    """The record over the score stage's table: an index per account, a value per transaction."""

    def __init__(self, table: BytesTable, cfg: FirstDecisionConfig) -> None:
        self._table, self._index, self._cfg = table, StateStore(table), cfg

    def find(self, account: bytes, transaction_id: str) -> Recorded | None:
        index = self._index.load(account)
        if not index:
            return None
        for entry in index.get("d", ()):  # the layout before per-transaction keys: whole outputs in the index
            if entry[0] == transaction_id:
                return Recorded(entry[2], entry[3], entry[4], entry[5], entry[6])
        if not any(entry[0] == transaction_id for entry in index.get("i", ())):
            return None
        raw = self._table.get(sub_key(account, transaction_id.encode()))
        return None if raw is None else Recorded.decode(raw)

    def record(self, account: bytes, transaction_id: str, event_time_ms: int, outputs: Recorded) -> None:
        """Add a decision, then forget those older than the horizon (by the account's newest event time) and
        the oldest beyond capacity."""
        index = self._index.load(account) or {}
        entries: list[list[Any]] = index.get("i", [])
        for old in index.pop("d", ()):  # move the old layout's records to their own keys on first write
            self._table[sub_key(account, old[0].encode())] = Recorded(*old[2:7]).encode()
            entries.append([old[0], old[1]])
        self._table[sub_key(account, transaction_id.encode())] = outputs.encode()
        entries.append([transaction_id, event_time_ms])
        newest = max(entry[1] for entry in entries)
        kept = [entry for entry in entries if entry[1] >= newest - self._cfg.horizon_ms][-self._cfg.capacity:]
        for gone in {entry[0] for entry in entries} - {entry[0] for entry in kept}:
            del self._table[sub_key(account, gone.encode())]
        index["i"] = kept
        self._index.save(account, index)
