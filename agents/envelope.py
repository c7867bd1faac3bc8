"""What travels between stages on the internal topics (JSON via orjson).

`tx`: a validated transaction's facts, the features accumulated so far, per-stage timings, the source tag.
`event`: an account event (only on the rekey topic). `label`: a verdict routed to an entity's stage.

The keys are short because every transaction carries them through four hops, and the bytes are a durable
format: they sit in the internal topics and stage state across a restart or an upgrade, so a rename here is a
migration. The TypedDicts below give each kind its keys and types without changing a byte
(`tests/unit/agents/test_envelope.py` pins the bytes). Each topic carries a known set of kinds, so each is
decoded as that set: the checker then holds every handler to the keys its topic can carry.

The builders return the envelope itself: an engine encodes it for the topic (`encode`), and the in-process
pipeline (`agents.local`) hands it to the next stage as it is.
"""

from __future__ import annotations

import base64
from typing import Any, Literal, NotRequired, TypedDict, cast

import orjson

from risk.features.common import FeatureValues

TxEnvelope = TypedDict("TxEnvelope", {  # functional form: `in` is a keyword
    "k": Literal["tx"],
    "tx": dict[str, Any],  # `TxFacts.to_dict()`
    "f": FeatureValues,  # features added so far, by name
    "t": dict[str, float],  # milliseconds per stage so far, by stage name
    "tag": str,  # topic:partition:offset of the input, for dedupe and the fs-source header
    "late": bool,  # the account stage saw it beyond the allowed lateness
    "in": int,  # ingest time (ms): the account stage's clock when it first read the transaction
    "ok": NotRequired[str | None],  # original key (base64), through the re-key hop only
    "ov": NotRequired[str],  # original value (base64), through the re-key hop only
})


class EventEnvelope(TypedDict):
    """An account event keyed by something other than its account, on its way to the account's partition."""

    k: Literal["event"]
    ev: dict[str, Any]  # `AccountEventFacts.__dict__`
    tag: str


class LabelEnvelope(TypedDict):
    """A fraud verdict routed to one entity stage, keyed by that entity."""

    k: Literal["label"]
    tx_id: str
    fraud: bool
    confirmed_ms: int


RekeyedEnvelope = TxEnvelope | EventEnvelope  # the rekey topic
StageEnvelope = TxEnvelope | LabelEnvelope  # the device, location and counterparty stage topics
Envelope = TxEnvelope | EventEnvelope | LabelEnvelope


def tx_envelope(facts: dict[str, Any], features: FeatureValues, timings: dict[str, float], tag: str,
                late: bool, ingest_ms: int, original: tuple[bytes | None, bytes] | None = None) -> TxEnvelope:
    """`original` (key, value) travels only through the re-key hop, where a duplicate must be dead-lettered."""
    env: TxEnvelope = {"k": "tx", "tx": facts, "f": features, "t": timings, "tag": tag, "late": late,
                       "in": ingest_ms}
    if original is not None:
        key, value = original
        env["ok"] = None if key is None else base64.b64encode(key).decode()
        env["ov"] = base64.b64encode(value).decode()
    return env


def original(env: TxEnvelope) -> tuple[bytes | None, bytes] | None:
    if "ov" not in env:
        return None
    key = env.get("ok")
    return (None if key is None else base64.b64decode(key)), base64.b64decode(env["ov"])


def event_envelope(event: dict[str, Any], tag: str) -> EventEnvelope:
    return {"k": "event", "ev": event, "tag": tag}


def label_envelope(transaction_id: str, is_fraud: bool, confirmed_ms: int) -> LabelEnvelope:
    return {"k": "label", "tx_id": transaction_id, "fraud": is_fraud, "confirmed_ms": confirmed_ms}


def encode(env: Envelope) -> bytes:
    return orjson.dumps(env)


# Internal topics are written only by the handlers above, so decoding trusts the shape (no validation per hop).
def decode_rekeyed(raw: bytes) -> RekeyedEnvelope:
    return cast(RekeyedEnvelope, orjson.loads(raw))


def decode_stage(raw: bytes) -> StageEnvelope:
    return cast(StageEnvelope, orjson.loads(raw))


def decode_tx(raw: bytes) -> TxEnvelope:
    """The score stage's topic carries transactions only."""
    return cast(TxEnvelope, orjson.loads(raw))
