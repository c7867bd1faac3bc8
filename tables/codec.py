"""State values travel as compact JSON bytes: fast with orjson, readable in the changelog, no pickle."""

from __future__ import annotations

from typing import Any

import orjson


def encode(state: dict[str, Any]) -> bytes:
    return orjson.dumps(state)


def decode(raw: bytes | None) -> dict[str, Any] | None:
    return None if raw is None else orjson.loads(raw)
