"""The envelope bytes are a durable format (internal topics, across upgrades): typed, but byte for byte as before."""

from agents import envelope

FACTS = {"transaction_id": "t1", "amount": 12.5}
FEATURES = {"tx.amount": 12.5, "device.is_new": True, "device.distinct_accounts_1h": None}


def tx_bytes(*args, **kwargs) -> bytes:
    """A transaction envelope as the topic carries it."""
    return envelope.encode(envelope.tx_envelope(*args, **kwargs))


def test_a_transaction_envelope_keeps_its_bytes():
    raw = tx_bytes(FACTS, FEATURES, {"account": 0.25}, "transactions:3:42", False, 1764633600000)
    assert raw == (b'{"k":"tx","tx":{"transaction_id":"t1","amount":12.5},'
                   b'"f":{"tx.amount":12.5,"device.is_new":true,"device.distinct_accounts_1h":null},'
                   b'"t":{"account":0.25},"tag":"transactions:3:42","late":false,"in":1764633600000}')


def test_a_rekeyed_transaction_carries_its_original_key_and_value_in_base64():
    raw = tx_bytes(FACTS, {}, {}, "t:0:1", True, 5, original=(b"k1", b'{"a":1}'))
    assert raw == (b'{"k":"tx","tx":{"transaction_id":"t1","amount":12.5},"f":{},"t":{},"tag":"t:0:1","late":true,'
                   b'"in":5,"ok":"azE=","ov":"eyJhIjoxfQ=="}')
    env = envelope.decode_rekeyed(raw)
    assert env["k"] == "tx" and envelope.original(env) == (b"k1", b'{"a":1}')


def test_an_original_without_a_key_round_trips_as_null():
    raw = tx_bytes(FACTS, {}, {}, "t:0:1", False, 5, original=(None, b"v"))
    assert raw.endswith(b'"ok":null,"ov":"dg=="}')
    assert envelope.original(envelope.decode_tx(raw)) == (None, b"v")


def test_an_envelope_without_an_original_has_none():
    assert envelope.original(envelope.decode_tx(tx_bytes(FACTS, {}, {}, "t:0:1", False, 5))) is None


def test_event_and_label_envelopes_keep_their_bytes():
    assert envelope.encode(envelope.event_envelope({"event_id": "e1"}, "account-events:0:7")) == (
        b'{"k":"event","ev":{"event_id":"e1"},"tag":"account-events:0:7"}')
    assert envelope.encode(envelope.label_envelope("t1", True, 1764633600000)) == (
        b'{"k":"label","tx_id":"t1","fraud":true,"confirmed_ms":1764633600000}')


def test_decoding_gives_back_what_was_encoded():
    raw = tx_bytes(FACTS, FEATURES, {"account": 0.25}, "transactions:3:42", False, 7)
    env = envelope.decode_tx(raw)
    assert (env["tx"], env["f"], env["t"], env["tag"], env["late"], env["in"]) == (
        FACTS, FEATURES, {"account": 0.25}, "transactions:3:42", False, 7)
    label = envelope.decode_stage(envelope.encode(envelope.label_envelope("t1", False, 9)))
    assert label == {"k": "label", "tx_id": "t1", "fraud": False, "confirmed_ms": 9}
