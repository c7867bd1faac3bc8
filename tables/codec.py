"""State values travel as compact JSON bytes: fast with orjson, readable in the changelog, no pickle."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Protocol

import orjson

State = dict[str, Any]


def encode(state: State) -> bytes:
    return orjson.dumps(state)


def decode(raw: bytes | None) -> State | None:
    return None if raw is None else orjson.loads(raw)


class BytesTable(Protocol):
    """What a store needs of an engine's table: read, write and delete one entity's bytes (a Faust table, a dict,
    or the Quix adapter, which holds only the current message's key)."""

    def get(self, key: bytes, /) -> bytes | None: ...

    def __setitem__(self, key: bytes, value: bytes, /) -> None: ...

    def __delitem__(self, key: bytes, /) -> None: ...


SUB_KEY_SEPARATOR = b"\x00"  # never in an entity id: ids are printable (schemas' id pattern)


def sub_key(key: bytes, sub: bytes) -> bytes:
    """A further value of the entity `key` (one record of many), in the same partition as the entity: the
    engines place a table write by the message being processed, and the Quix adapter maps it to a key of the
    entity's own state."""
    return key + SUB_KEY_SEPARATOR + sub


class StateStore:
    """Entity state over a table of bytes: decoded on load, encoded on save (one table write per event).

    A busy entity (a city cell, a popular payee) carries tens of kilobytes of state, and decoding it on every
    event was the largest single cost of the handlers. The store keeps the state it last saved, decoded,
    and reuses it only while the table still returns the very bytes object that save wrote: a changelog
    restore, a checkpoint flush or a rebalance hands back other bytes, which are decoded as usual. A load
    takes the entry out, so a state a handler changed but did not save is never served again.
    """

    def __init__(self, table: BytesTable, capacity: int = 256) -> None:
        self._table, self._capacity = table, capacity
        self._saved: OrderedDict[bytes, tuple[bytes, State]] = OrderedDict()

    def load(self, key: bytes) -> State | None:
        raw = self._table.get(key)
        saved = self._saved.pop(key, None)
        if raw is None:
            return None
        if saved is not None and saved[0] is raw:
            return saved[1]
        return orjson.loads(raw)

    def save(self, key: bytes, state: State) -> None:
        raw = orjson.dumps(state)
        self._table[key] = raw
        self._saved[key] = (raw, state)
        if len(self._saved) > self._capacity:
            self._saved.popitem(last=False)


class LiveStore(StateStore):
    """Entity state kept decoded, for a pipeline whose stages all run in one process (`agents.local`).

    The `capacity` most recently used entities stay objects and reach the table (encoded) only when they fall
    out, so a busy entity is neither decoded nor encoded per event. It relies on what every handler does: a
    state it changes is saved (a loaded state is the live object, so a change that was not saved would stay).
    The table holds every other entity's bytes, so memory stays bounded by `capacity`; `flush` writes
    the live ones too."""

    def __init__(self, table: BytesTable, capacity: int = 1024) -> None:
        super().__init__(table, capacity)
        self._live: OrderedDict[bytes, State] = OrderedDict()

    def load(self, key: bytes) -> State | None:
        state = self._live.get(key)
        if state is not None:
            self._live.move_to_end(key)
            return state
        raw = self._table.get(key)
        return None if raw is None else orjson.loads(raw)

    def save(self, key: bytes, state: State) -> None:
        self._live[key] = state
        self._live.move_to_end(key)
        if len(self._live) > self._capacity:
            evicted, old = self._live.popitem(last=False)
            self._table[evicted] = orjson.dumps(old)

    def flush(self) -> None:
        for key, state in self._live.items():
            self._table[key] = orjson.dumps(state)


StateSource = BytesTable | StateStore


def store_of(table: StateSource) -> StateStore:
    """The store over an engine's table of bytes, or the store an in-process pipeline hands over itself."""
    return table if isinstance(table, StateStore) else StateStore(table)
