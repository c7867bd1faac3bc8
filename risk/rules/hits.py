"""What rule evaluation returns: hits for one event, or a hit matrix for a batch."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule that matched, with the settings in force at the event's branch."""

    rule_id: str
    reason_code: str
    action: str  # ALLOW / CHALLENGE / REVIEW / BLOCK
    weight: float
    priority: int
    shadow: bool


@dataclass(frozen=True)
class BatchHits:
    """`matrix[i, j]` is True when rule `rule_ids[j]` hit row `i`; `hits(i)` gives that row's `Hit`s with
    the settings (action, weight, mode...) of the row's own branch scope."""

    matrix: np.ndarray
    rule_ids: tuple[str, ...]
    row_variant: np.ndarray
    variant_hits: tuple[dict[int, Hit], ...]

    def __len__(self) -> int:
        return int(self.matrix.shape[0])

    def hits(self, row: int) -> list[Hit]:
        table = self.variant_hits[int(self.row_variant[row])]
        return [table[j] for j in self._rules_hit[row]]

    @cached_property
    def _rules_hit(self) -> list[list[int]]:
        """Each row's hit rule indices, ascending: one `nonzero` over the matrix rather than one per row."""
        by_row: list[list[int]] = [[] for _ in range(len(self))]
        rows, rules = np.nonzero(self.matrix)  # row-major: each row's rules in ascending order
        for row, rule in zip(rows.tolist(), rules.tolist(), strict=True):
            by_row[row].append(rule)
        return by_row
