"""What travels between stages on the internal topics (JSON via orjson).

`tx`: a validated transaction's facts, the features accumulated so far, per-stage timings, the source tag.
`event`: an account event (only on the rekey topic). `label`: a verdict routed to an entity's stage.
"""

from __future__ import annotations

from typing import Any

import orjson

Envelope = dict[str, Any]


def tx_envelope(facts: dict[str, Any], features: dict[str, Any], timings: dict[str, float], tag: str,
                late: bool, ingest_ms: int) -> bytes:
    return orjson.dumps({"k": "tx", "tx": facts, "f": features, "t": timings, "tag": tag, "late": late,
                         "in": ingest_ms})


def event_envelope(event: dict[str, Any], tag: str) -> bytes:
    return orjson.dumps({"k": "event", "ev": event, "tag": tag})


def label_envelope(transaction_id: str, is_fraud: bool, confirmed_ms: int) -> bytes:
    return orjson.dumps({"k": "label", "tx_id": transaction_id, "fraud": is_fraud, "confirmed_ms": confirmed_ms})


def decode(raw: bytes) -> Envelope:
    return orjson.loads(raw)
