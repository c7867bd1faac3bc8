"""Transaction: what core banking publishes for every money movement."""

from __future__ import annotations

from decimal import Decimal
from ipaddress import IPv4Address, IPv6Address

from pydantic import AwareDatetime, Field, field_validator

from schemas.common import ID, Branch, Channel, Counterparty, Geo, Message, TxType

MAX_AMOUNT = Decimal("10000000000")  # 10 bn CNY: above this a value is a producer bug, not a transfer
Scalar = str | int | float | bool


class Transaction(Message):
    transaction_id: str = Field(pattern=ID)
    event_time: AwareDatetime = Field(description="when the customer acted (ISO 8601 with offset)")
    account_id: str = Field(pattern=ID)
    customer_id: str = Field(pattern=ID)
    branch: Branch
    channel: Channel
    tx_type: TxType
    amount: Decimal = Field(gt=0, le=MAX_AMOUNT, max_digits=14, decimal_places=2, allow_inf_nan=False)
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    counterparty: Counterparty | None = None
    device_id: str | None = Field(default=None, pattern=ID)
    ip: IPv4Address | IPv6Address | None = None
    geo: Geo | None = None
    region_code: str | None = Field(default=None, pattern=r"^[0-9]{6}$", description="GB/T 2260 area code")
    customer_age: int | None = Field(default=None, ge=0, le=130)
    attributes: dict[str, Scalar] = Field(default_factory=dict, max_length=32)

    @field_validator("attributes")
    @classmethod
    def _short_values(cls, value: dict[str, Scalar]) -> dict[str, Scalar]:
        for key, item in value.items():
            if len(key) > 64 or (isinstance(item, str) and len(item) > 256):
                raise ValueError(f"attribute {key[:64]!r} exceeds 64-char key / 256-char value limit")
        return value
