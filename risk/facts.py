"""TxFacts: the flat, JSON-ready view of a validated transaction that travels between stages.

Pydantic validation happens once, at the edge; stages work on this small dict-shaped record so that
serializing it between stages (and in backtests) is cheap and deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any

from schemas.times import to_ms
from schemas.transaction import Transaction

CELL_DEGREES = 0.01  # about 1 km: the grid that device farms and mule rings share


@dataclass(frozen=True, slots=True)
class TxFacts:
    transaction_id: str
    event_time_ms: int
    account_id: str
    customer_id: str
    branch_path: str
    channel: str
    tx_type: str
    amount: float
    amount_text: str
    currency: str
    counterparty_id: str | None
    counterparty_kind: str | None
    counterparty_bank: str | None
    counterparty_country: str | None
    device_id: str | None
    ip: str | None
    lat: float | None
    lon: float | None
    cell: str | None
    customer_age: int | None
    region: str | None = None  # the transaction's region code (GB/T 2260 county), coordinates or not

    def to_dict(self) -> dict[str, Any]:
        return dict(zip(_FIELDS, _VALUES(self), strict=True))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TxFacts:
        return cls(**data)


_FIELDS = tuple(f.name for f in fields(TxFacts))
_VALUES = attrgetter(*_FIELDS)  # every field's value, in field order, in one C call


def location_cell(lat: float | None, lon: float | None, region_code: str | None) -> str | None:
    """Grid cell of a location; the region code stands in when the channel sends no coordinates."""
    if lat is not None and lon is not None:
        return f"g{round(lat / CELL_DEGREES)}:{round(lon / CELL_DEGREES)}"
    return f"r{region_code}" if region_code else None


def facts_from(tx: Transaction) -> TxFacts:
    cp = tx.counterparty
    lat = tx.geo.lat if tx.geo else None
    lon = tx.geo.lon if tx.geo else None
    return TxFacts(
        transaction_id=tx.transaction_id,
        event_time_ms=to_ms(tx.event_time),
        account_id=tx.account_id,
        customer_id=tx.customer_id,
        branch_path=tx.branch.path,
        channel=tx.channel.value,
        tx_type=tx.tx_type.value,
        amount=float(tx.amount),
        amount_text=str(tx.amount),
        currency=tx.currency,
        counterparty_id=cp.id if cp else None,
        counterparty_kind=cp.kind.value if cp else None,
        counterparty_bank=cp.bank_code if cp else None,
        counterparty_country=cp.country if cp else None,
        device_id=tx.device_id,
        ip=str(tx.ip) if tx.ip else None,
        lat=lat,
        lon=lon,
        cell=location_cell(lat, lon, tx.region_code),
        customer_age=tx.customer_age,
        region=tx.region_code,
    )
