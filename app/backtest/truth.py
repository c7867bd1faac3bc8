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


class TruthBuilder:
    """Folds label values as a run streams past them; keeps only the fraud ids (a later genuine never
    clears fraud)."""

    def __init__(self) -> None:
        self._fraud: dict[str, str | None] = {}
        self._count = 0

    def add(self, label: Mapping[str, Any]) -> None:
        self._count += 1
        if not label.get("is_fraud"):
            return
        tx_id = str(label["transaction_id"])
        self._fraud[tx_id] = self._fraud.get(tx_id) or label.get("scenario")

    def truth(self) -> Truth:
        return Truth(fraud=dict(self._fraud), labelled=self._count)


def truth_from_labels(labels: Iterable[Mapping[str, Any]]) -> Truth:
    """Fold label values (shaped like `schemas.label.Label`) into a Truth."""
    builder = TruthBuilder()
    for label in labels:
        builder.add(label)
    return builder.truth()
