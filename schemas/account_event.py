"""AccountEvent: pre-transaction signals (logins, bindings, resets) that update account state."""

from __future__ import annotations

from enum import StrEnum
from ipaddress import IPv4Address, IPv6Address

from pydantic import AwareDatetime, Field

from schemas.common import ID, Branch, Channel, Geo, Message


class AccountEventKind(StrEnum):
    LOGIN_SUCCESS = "login_success"
    LOGIN_FAILURE = "login_failure"
    DEVICE_BOUND = "device_bound"
    DEVICE_UNBOUND = "device_unbound"
    PASSWORD_RESET = "password_reset"
    PHONE_CHANGED = "phone_changed"
    PAYEE_ADDED = "payee_added"
    LIMIT_CHANGED = "limit_changed"


class AccountEvent(Message):
    event_id: str = Field(pattern=ID)
    event_time: AwareDatetime
    account_id: str = Field(pattern=ID)
    customer_id: str | None = Field(default=None, pattern=ID)
    kind: AccountEventKind
    branch: Branch | None = None
    channel: Channel | None = None
    device_id: str | None = Field(default=None, pattern=ID)
    ip: IPv4Address | IPv6Address | None = None
    geo: Geo | None = None
    payee_id: str | None = Field(default=None, pattern=ID, description="for payee_added")
