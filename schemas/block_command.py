"""BlockCommand: an instruction core systems execute (block, freeze) with a reason and an expiry."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, Field

from schemas.common import ID, Message


class BlockAction(StrEnum):
    BLOCK_TRANSACTION = "block_transaction"
    FREEZE_ACCOUNT = "freeze_account"
    BLOCK_DEVICE = "block_device"
    BLOCK_PAYEE = "block_payee"


class BlockCommand(Message):
    command_id: str = Field(description="deterministic: transaction id + action, so re-sends are idempotent")
    action: BlockAction
    target_id: str = Field(pattern=ID)
    transaction_id: str = Field(pattern=ID)
    account_id: str = Field(pattern=ID)
    reason_codes: list[str]
    issued_at: AwareDatetime
    expires_at: AwareDatetime | None = Field(default=None, description="None = until lifted by an analyst")
