import orjson

from tables.codec import StateStore


def test_a_state_saved_and_still_in_the_table_is_served_without_decoding():
    table: dict[bytes, bytes] = {}
    store = StateStore(table)
    state = {"n": 1}
    store.save(b"k", state)
    assert store.load(b"k") is state


def test_other_bytes_in_the_table_are_decoded_not_masked_by_the_saved_state():
    table: dict[bytes, bytes] = {}
    store = StateStore(table)
    store.save(b"k", {"n": 1})
    table[b"k"] = orjson.dumps({"n": 2})  # e.g. restored from the changelog after a rebalance
    assert store.load(b"k") == {"n": 2}


def test_a_state_changed_but_not_saved_is_never_served_again():
    table: dict[bytes, bytes] = {}
    store = StateStore(table)
    store.save(b"k", {"n": 1})
    loaded = store.load(b"k")
    loaded["n"] = 99  # a handler changed it and then decided not to write
    assert store.load(b"k") == {"n": 1}


def test_the_store_keeps_at_most_its_capacity():
    table: dict[bytes, bytes] = {}
    store = StateStore(table, capacity=2)
    first = {"n": 0}
    store.save(b"a", first)
    store.save(b"b", {"n": 1})
    store.save(b"c", {"n": 2})
    loaded = store.load(b"a")
    assert loaded == first and loaded is not first  # evicted: decoded from the table
