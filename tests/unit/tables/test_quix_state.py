import pytest

from tables.exceptions import KeyScopeError
from tables.quix_state import QuixStateTable


class FakeState:
    """Quix's State API as the adapter uses it (get_bytes / set_bytes / delete / exists)."""

    def __init__(self) -> None:
        self.values: dict[bytes, bytes] = {}

    def get_bytes(self, key, default=None):
        return self.values.get(key, default)

    def set_bytes(self, key, value) -> None:
        self.values[key] = value

    def delete(self, key) -> None:
        self.values.pop(key, None)

    def exists(self, key) -> bool:
        return key in self.values


def test_the_table_reads_and_writes_the_bound_messages_entity():
    table, state = QuixStateTable("device"), FakeState()
    table.bind(b"dev1", state)
    assert table.get(b"dev1") is None and b"dev1" not in table
    table[b"dev1"] = b"{}"
    assert table.get(b"dev1") == b"{}" and b"dev1" in table


def test_another_entity_than_the_messages_key_is_refused():
    table = QuixStateTable("device")
    table.bind(b"dev1", FakeState())
    with pytest.raises(KeyScopeError, match="dev2"):
        table.get(b"dev2")
    with pytest.raises(KeyScopeError):
        table[b"dev2"] = b"{}"
