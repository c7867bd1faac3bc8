"""Ground truth for a backtest: which transactions are fraud, and (when known) by which scenario.

Hindsight on purpose: a transaction counts as fraud if *any* fraud label for it exists anywhere in the
data, whenever it was confirmed. (The pipeline itself still sees each label only from its delivery onward,
so label-fed features are never computed with future knowledge; only the scoring uses hindsight.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Truth:
    """`fraud` maps each fraud transaction id to its scenario tag (None when the label names none)."""

    fraud: Mapping[str, str | None] = field(default_factory=dict)
    labelled: int = 0  # label messages seen, fraud or genuine

    def is_fraud(self, transaction_id: str) -> bool:
        return transaction_id in self.fraud

    def scenario(self, transaction_id: str) -> str | None:
        return self.fraud.get(transaction_id)


def truth_from_labels(labels: Iterable[Mapping[str, Any]]) -> Truth:
    """Fold label values (shaped like `schemas.label.Label`) into a Truth; a later genuine never clears fraud."""
    fraud: dict[str, str | None] = {}
    count = 0
    for label in labels:
        count += 1
        if not label.get("is_fraud"):
            continue
        tx_id = str(label["transaction_id"])
        fraud[tx_id] = fraud.get(tx_id) or label.get("scenario")
    return Truth(fraud=fraud, labelled=count)
