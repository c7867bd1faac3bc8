"""Message contracts: the published interface for producers and consumers in any language.

Each model is exported as a JSON Schema under `schemas/json/` (`python -m schemas.export`).
"""

from pydantic import BaseModel

from schemas.account_event import AccountEvent, AccountEventKind
from schemas.alert import Alert
from schemas.block_command import BlockAction, BlockCommand
from schemas.common import Action, Branch, Channel, Counterparty, Geo, TxType
from schemas.dead_letter import DeadLetter, DeadLetterCode, ErrorDetail
from schemas.decision import Decision, RuleHit
from schemas.label import Label, LabelSource
from schemas.transaction import Transaction

__all__ = [
    "AccountEvent", "AccountEventKind", "Action", "Alert", "BlockAction", "BlockCommand", "Branch",
    "Channel", "Counterparty", "DeadLetter", "DeadLetterCode", "Decision", "ErrorDetail", "Geo", "Label", "LabelSource",
    "RuleHit", "Transaction", "TxType",
]

PUBLISHED_MODELS: dict[str, type[BaseModel]] = {
    "transaction": Transaction,
    "account-event": AccountEvent,
    "fraud-label": Label,
    "risk-decision": Decision,
    "risk-alert": Alert,
    "block-command": BlockCommand,
    "dead-letter": DeadLetter,
}
