"""The handlers' table port over Quix Streams' state: one value per entity, under the message's key.

Quix scopes a `State` to the key of the message being processed. Every handler reads and writes only the
entity its message is keyed by (that is what the re-keying between stages is for), so the adapter binds
the current message's state and refuses any other key rather than silently reading the wrong entity.
"""

from __future__ import annotations

from typing import Any

from tables.exceptions import KeyScopeError

_VALUE = b"v"  # the one state key per entity: the compact JSON state the core reads and writes


class QuixStateTable:
    def __init__(self, entity: str) -> None:
        self.entity = entity
        self._key: bytes | None = None
        self._state: Any = None

    def bind(self, key: bytes | None, state: Any) -> None:
        self._key, self._state = key, state

    def _check(self, key: bytes) -> None:
        if key != self._key:
            raise KeyScopeError(f"{self.entity} stage read {key!r} while processing a message keyed {self._key!r}")

    def get(self, key: bytes, default: bytes | None = None) -> bytes | None:
        self._check(key)
        value: bytes | None = self._state.get_bytes(_VALUE, default)
        return value

    def __getitem__(self, key: bytes) -> bytes:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._check(key)
        self._state.set_bytes(_VALUE, value)

    def __delitem__(self, key: bytes) -> None:
        self._check(key)
        self._state.delete(_VALUE)

    def __contains__(self, key: object) -> bool:
        return key == self._key and self._state.exists(_VALUE)
