import pytest

from tables.codec import sub_key
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


def test_a_sub_key_of_the_bound_entity_is_its_own_key_in_that_entitys_state():
    table, state = QuixStateTable("decided"), FakeState()
    table.bind(b"acc1", state)
    table[b"acc1"] = b"{}"
    table[sub_key(b"acc1", b"t1")] = b"[1]"
    assert table.get(sub_key(b"acc1", b"t1")) == b"[1]" and table.get(b"acc1") == b"{}"
    assert len(state.values) == 2
    del table[sub_key(b"acc1", b"t1")]
    assert sub_key(b"acc1", b"t1") not in table and b"acc1" in table
    with pytest.raises(KeyScopeError):
        table.get(sub_key(b"acc2", b"t1"))
    with pytest.raises(KeyScopeError):
        table.get(b"acc1t1")  # a longer key that is not a sub-key is another entity
