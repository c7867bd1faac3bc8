"""The dead-letter record, built so that it always fits in a Kafka message.

Base64 grows a value by a third, so a dead letter that carried a near-1 MiB input whole would exceed the
producer's limit, its send would fail, and the input would be neither decided nor dead-lettered. Above
`max_value_bytes` a dead letter keeps a prefix of the original, its length and its SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

import orjson

from schemas.times import iso_utc

KEY_LIMIT_BYTES = 1024
VALUE_LIMIT_BYTES = 512 * 1024  # base64 makes it ~683 KiB: under Kafka's default 1 MiB with room for the rest


def dead_letter_bytes(*, source_topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None,
                      code: str, message: str, fields: Sequence[str] = (), errors: Sequence[dict[str, str]] = (),
                      received_ms: int, max_value_bytes: int) -> bytes:
    original = value or b""
    kept = original[:min(max_value_bytes, VALUE_LIMIT_BYTES)]
    return orjson.dumps({
        "source_topic": source_topic,
        "partition": partition,
        "offset": offset,
        "key_b64": None if key is None else base64.b64encode(key[:KEY_LIMIT_BYTES]).decode(),
        "value_b64": base64.b64encode(kept).decode(),
        "value_bytes": len(original),
        "value_sha256": hashlib.sha256(original).hexdigest(),
        "truncated": len(kept) < len(original),
        "error": {"code": code, "message": message[:2000], "fields": list(fields)[:100]},
        "errors": list(errors)[:100],
        "received_at": iso_utc(received_ms),
    })
