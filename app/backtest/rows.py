"""Decision records reduced to what the metrics need, joined with the ground truth."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.backtest.exceptions import BacktestError
from app.backtest.truth import Truth
from modelplatform.records import to_ms

DAY_MS = 86_400_000


@dataclass(frozen=True)
class Row:
    transaction_id: str
    account_id: str
    event_time_ms: int
    action: str
    score: float
    active_rules: tuple[str, ...]
    shadow_rules: tuple[str, ...]
    fraud: bool
    scenario: str | None

    @property
    def alerted(self) -> bool:
        """Anything but ALLOW puts work on someone (a step-up, an analyst, a block)."""
        return self.action != "ALLOW"


def to_rows(decisions: Iterable[Mapping[str, Any]], truth: Truth) -> list[Row]:
    """One Row per decision, in the order given (the pipeline's emission order)."""
    rows = []
    for d in decisions:
        try:
            tx_id = str(d["transaction_id"])
            hits = d.get("rule_hits") or []
            rows.append(Row(
                transaction_id=tx_id, account_id=str(d["account_id"]),
                event_time_ms=to_ms(d["event_time"], what="decision.event_time"), action=str(d["action"]),
                score=float(d["score"]),
                active_rules=tuple(h["rule_id"] for h in hits if not h.get("shadow")),
                shadow_rules=tuple(h["rule_id"] for h in hits if h.get("shadow")),
                fraud=truth.is_fraud(tx_id), scenario=truth.scenario(tx_id)))
        except (KeyError, TypeError, ValueError) as err:
            msg = f"decision {d.get('transaction_id')!r}: not shaped like schemas.decision.Decision ({err!r})"
            raise BacktestError(msg) from err
    return rows


@dataclass(frozen=True)
class Columns:
    """Rows as numpy vectors for the ranking metrics."""

    y: np.ndarray
    score: np.ndarray
    account_id: np.ndarray
    event_time_ms: np.ndarray


def columns(rows: list[Row]) -> Columns:
    return Columns(
        y=np.array([r.fraud for r in rows], dtype=np.int8),
        score=np.array([r.score for r in rows], dtype=np.float64),
        account_id=np.array([r.account_id for r in rows], dtype=object),
        event_time_ms=np.array([r.event_time_ms for r in rows], dtype=np.int64))


def bank_days(rows: Iterable[Row], utc_offset_minutes: int) -> int:
    """Distinct calendar days (in the bank's zone) that hold at least one decision."""
    offset_ms = utc_offset_minutes * 60_000
    return len({(r.event_time_ms + offset_ms) // DAY_MS for r in rows})
