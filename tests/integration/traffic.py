"""Small, hand-shaped transaction traffic for integration tests (event times near the wall clock)."""

from __future__ import annotations

import time
from typing import Any

import orjson

from schemas.times import iso_utc


def transaction(n: int, *, base_ms: int | None = None, accounts: int = 20, **overrides: Any) -> dict[str, Any]:
    base_ms = base_ms if base_ms is not None else int(time.time() * 1000) - 3_600_000
    account = f"acc{n % accounts:04d}"
    doc: dict[str, Any] = {
        "transaction_id": f"tx{n:06d}",
        "event_time": iso_utc(base_ms + n * 1000),
        "account_id": account,
        "customer_id": f"cus{n % accounts:04d}",
        "branch": {"province": "44", "city": "4401", "county": f"44010{n % 3}"},
        "channel": ["mobile", "online", "quickpay"][n % 3],
        "tx_type": "transfer",
        "amount": f"{(n * 37) % 9000 + 10}.00",
        "counterparty": {"id": f"payee{n % 7}", "kind": "account"},
        "device_id": f"dev{n % (accounts // 2)}",
        "geo": {"lat": 23.1 + (n % 5) * 0.01, "lon": 113.2},
        "customer_age": 30 + n % 50,
    }
    doc.update(overrides)
    return doc


def encode(doc: dict[str, Any]) -> tuple[bytes, bytes]:
    return doc["account_id"].encode(), orjson.dumps(doc)
