"""Shared value types of the message contracts."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

CODE = r"^[0-9A-Za-z_-]{1,16}$"
ID = r"^[0-9A-Za-z_.:@-]{1,64}$"


class Message(BaseModel):
    """Base of every contract: immutable; unknown fields are ignored so producers can add fields first."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)


class Channel(StrEnum):
    MOBILE = "mobile"
    ONLINE = "online"
    QUICKPAY = "quickpay"
    COUNTER = "counter"
    ATM = "atm"
    POS = "pos"
    API = "api"


class TxType(StrEnum):
    TRANSFER = "transfer"
    PAYMENT = "payment"
    WITHDRAWAL = "withdrawal"
    DEPOSIT = "deposit"
    LOAN_DRAWDOWN = "loan_drawdown"
    LOAN_REPAYMENT = "loan_repayment"
    BILL_PAYMENT = "bill_payment"


class Action(StrEnum):
    """Ordered from least to most severe; `Action.severity` compares them."""

    ALLOW = "ALLOW"
    CHALLENGE = "CHALLENGE"
    REVIEW = "REVIEW"
    BLOCK = "BLOCK"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Action.ALLOW: 0, Action.CHALLENGE: 1, Action.REVIEW: 2, Action.BLOCK: 3}


class Branch(Message):
    """Org hierarchy of the account's branch: province → city → county → outlet."""

    province: str = Field(pattern=CODE, examples=["44"])
    city: str = Field(pattern=CODE, examples=["4401"])
    county: str = Field(pattern=CODE, examples=["440106"])
    outlet: str | None = Field(default=None, pattern=CODE, examples=["0012"])

    @property
    def path(self) -> str:
        """`province/city/county[/outlet]`: rule scopes are prefixes of this path."""
        parts = [self.province, self.city, self.county] + ([self.outlet] if self.outlet else [])
        return "/".join(parts)


class Geo(Message):
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)


class CounterpartyKind(StrEnum):
    ACCOUNT = "account"
    MERCHANT = "merchant"


class Counterparty(Message):
    id: str = Field(pattern=ID, description="payee account number or merchant id")
    kind: CounterpartyKind = CounterpartyKind.ACCOUNT
    name: str | None = Field(default=None, max_length=128)
    bank_code: str | None = Field(default=None, pattern=CODE, description="payee bank; None = own bank")
    country: str = Field(default="CN", pattern=r"^[A-Z]{2}$")
