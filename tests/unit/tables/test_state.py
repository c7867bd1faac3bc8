"""The Faust tables as the handlers see them (tables/state.py `FaustBytesTable`)."""

from tables.state import FaustBytesTable


class _Store(dict):
    """A Faust store: counts lookups (a Faust table's own `get` made two per read)."""

    lookups = 0

    def __getitem__(self, key):
        type(self).lookups += 1
        return super().__getitem__(key)

    def __contains__(self, key):
        type(self).lookups += 1
        return super().__contains__(key)


class _Table:
    """A Faust table: writes and deletes are what send the changelog, so they must come through here."""

    def __init__(self):
        self.data = _Store()
        self.changelog = []

    def __setitem__(self, key, value):
        self.changelog.append((key, value))
        self.data[key] = value

    def __delitem__(self, key):
        self.changelog.append((key, None))
        dict.__delitem__(self.data, key)


def test_a_read_is_one_store_lookup_and_a_missing_key_reads_none():
    table = _Table()
    dict.__setitem__(table.data, b"dev1", b"{}")
    _Store.lookups = 0
    adapter = FaustBytesTable(table)
    assert (adapter.get(b"dev1"), adapter.get(b"dev2")) == (b"{}", None)
    assert _Store.lookups == 2


def test_writes_and_deletes_go_through_the_table_so_each_reaches_the_changelog():
    table = _Table()
    adapter = FaustBytesTable(table)
    adapter[b"acc1"] = b"v1"
    del adapter[b"acc1"]
    assert table.changelog == [(b"acc1", b"v1"), (b"acc1", None)]
    assert adapter.get(b"acc1") is None
