"""The handlers' table port over Quix Streams' state: one value per entity, under the message's key.

Quix scopes a `State` to the key of the message being processed. Every handler reads and writes only the
entity its message is keyed by (that is what the re-keying between stages is for), so the adapter binds
the current message's state and refuses any other key rather than silently reading the wrong entity.
A sub-key of the entity (`tables.codec.sub_key`: the score stage's one record per transaction) is a further
key of that same state.
"""

from __future__ import annotations

from typing import Any

from tables.codec import SUB_KEY_SEPARATOR
from tables.exceptions import KeyScopeError

_VALUE = b"v"  # the one state key per entity: the compact JSON state the core reads and writes


class QuixStateTable:
    def __init__(self, entity: str) -> None:
        self.entity = entity
        self._key: bytes | None = None
        self._state: Any = None

    def bind(self, key: bytes | None, state: Any) -> None:
        self._key, self._state = key, state

    def _state_key(self, key: bytes) -> bytes:
        """The key within the bound entity's state: `_VALUE` for the entity, the separator and the rest for a
        sub-key of it."""
        if key == self._key:
            return _VALUE
        if self._key is not None and key.startswith(self._key + SUB_KEY_SEPARATOR):
            return key[len(self._key):]
        raise KeyScopeError(f"{self.entity} stage read {key!r} while processing a message keyed {self._key!r}")

    def get(self, key: bytes, default: bytes | None = None) -> bytes | None:
        value: bytes | None = self._state.get_bytes(self._state_key(key), default)
        return value

    def __getitem__(self, key: bytes) -> bytes:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._state.set_bytes(self._state_key(key), value)

    def __delitem__(self, key: bytes) -> None:
        self._state.delete(self._state_key(key))

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, bytes):
            return False
        try:
            return bool(self._state.exists(self._state_key(key)))
        except KeyScopeError:
            return False
