"""Build TxFacts for tests with only the fields a test cares about."""

from __future__ import annotations

from typing import Any

from risk.facts import TxFacts

T0 = 1_764_000_000_000  # a fixed event-time origin (ms)
MIN = 60_000
HOUR = 3_600_000
DAY = 86_400_000


def tx(n: int | str = 1, *, at: int = T0, amount: float = 100.0, **overrides: Any) -> TxFacts:
    values: dict[str, Any] = {
        "transaction_id": f"tx{n}", "event_time_ms": at, "account_id": "acc1", "customer_id": "cus1",
        "branch_path": "44/4401/440106", "channel": "mobile", "tx_type": "transfer", "amount": amount,
        "amount_text": f"{amount:.2f}", "currency": "CNY", "counterparty_id": "payee1",
        "counterparty_kind": "account", "counterparty_bank": None, "counterparty_country": "CN",
        "device_id": "dev1", "ip": None, "lat": 23.13, "lon": 113.26, "cell": "g2313:11326", "customer_age": 40,
    }
    values.update(overrides)
    return TxFacts(**values)
