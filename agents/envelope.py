"""What travels between stages on the internal topics (JSON via orjson).

`tx`: a validated transaction's facts, the features accumulated so far, per-stage timings, the source tag.
`event`: an account event (only on the rekey topic). `label`: a verdict routed to an entity's stage.
The builders return the envelope as a dict: an engine encodes it for the topic (`encode`), and the
in-process pipeline (`agents.local`) hands the dict itself to the next stage.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson

Envelope = dict[str, Any]


def tx_envelope(facts: dict[str, Any], features: dict[str, Any], timings: dict[str, float], tag: str,
                late: bool, ingest_ms: int, original: tuple[bytes | None, bytes] | None = None) -> Envelope:
    """`original` (key, value) travels only through the re-key hop, where a duplicate must be dead-lettered."""
    env = {"k": "tx", "tx": facts, "f": features, "t": timings, "tag": tag, "late": late, "in": ingest_ms}
    if original is not None:
        key, value = original
        env["ok"] = None if key is None else base64.b64encode(key).decode()
        env["ov"] = base64.b64encode(value).decode()
    return env


def original(env: Envelope) -> tuple[bytes | None, bytes] | None:
    if "ov" not in env:
        return None
    return (None if env["ok"] is None else base64.b64decode(env["ok"])), base64.b64decode(env["ov"])


def event_envelope(event: dict[str, Any], tag: str) -> Envelope:
    return {"k": "event", "ev": event, "tag": tag}


def label_envelope(transaction_id: str, is_fraud: bool, confirmed_ms: int) -> Envelope:
    return {"k": "label", "tx_id": transaction_id, "fraud": is_fraud, "confirmed_ms": confirmed_ms}


def encode(env: Envelope) -> bytes:
    return orjson.dumps(env)


def decode(raw: bytes) -> Envelope:
    return orjson.loads(raw)
