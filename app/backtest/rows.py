"""Decisions reduced to what the metrics need, as compact columns, joined with the ground truth at the end.

A backtest of a bank's history sees millions of decisions; holding each as a dict (or even a small object)
made memory grow by kilobytes per transaction. `RunLog` keeps a few numbers per decision in typed arrays
(~40 bytes: id hash, account index, time, action, score) plus, per rule, the positions it hit, so the
run's memory is the pipeline's entity state plus these columns. Fraud is hindsight (any fraud label,
whenever confirmed), so it is joined only when the run ends (`RunLog.freeze`).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.backtest.exceptions import BacktestError
from app.backtest.truth import Truth, truth_from_labels
from modelplatform.exceptions import DatasetError
from modelplatform.records import to_ms
from schemas.common import Action

DAY_MS = 86_400_000
ACTIONS = tuple(a.value for a in Action)  # index = action code; ALLOW is 0
_CODE = {name: code for code, name in enumerate(ACTIONS)}


@dataclass(frozen=True)
class Row:
    """One decision with its truth: the unit the hand-worked tests are written in."""

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


@dataclass(frozen=True)
class Columns:
    """One run's decisions in emission order, as numpy vectors; rule hits as positions into them."""

    tx: np.ndarray  # int64 hash of the transaction id (pairs runs; ids themselves are not kept)
    y: np.ndarray  # int8, 1 = fraud
    score: np.ndarray  # float64
    account_id: np.ndarray  # int64 index of the account (ranking per account and day)
    event_time_ms: np.ndarray  # int64
    action: np.ndarray  # int8 index into ACTIONS
    scenario: np.ndarray  # int32 index into `scenarios`, -1 where none is known
    scenarios: tuple[str, ...]
    active: Mapping[str, np.ndarray]  # rule id → positions where it fired and acted
    shadow: Mapping[str, np.ndarray]  # rule id → positions where it fired in shadow mode

    def __len__(self) -> int:
        return len(self.tx)

    @property
    def alerted(self) -> np.ndarray:
        return self.action != _CODE["ALLOW"]


class RunLog:
    """Accumulates decisions as they are emitted; memory per decision is a handful of typed numbers."""

    def __init__(self) -> None:
        self._tx, self._time, self._account = array("q"), array("q"), array("q")
        self._action, self._score = array("b"), array("d")
        self._accounts: dict[str, int] = {}
        self._active: dict[str, array[int]] = {}
        self._shadow: dict[str, array[int]] = {}
        self.model_version: str | None = None
        self.ruleset_version: str | None = None

    def __len__(self) -> int:
        return len(self._tx)

    def add(self, decision: Mapping[str, Any]) -> None:
        try:
            position = len(self._tx)
            account = str(decision["account_id"])
            self._tx.append(hash(str(decision["transaction_id"])))
            self._account.append(self._accounts.setdefault(account, len(self._accounts)))
            self._time.append(to_ms(decision["event_time"], what="decision.event_time"))
            self._action.append(_CODE[str(decision["action"])])
            self._score.append(float(decision["score"]))
            for hit in decision.get("rule_hits") or ():
                target = self._shadow if hit.get("shadow") else self._active
                target.setdefault(str(hit["rule_id"]), array("q")).append(position)
        except (KeyError, TypeError, ValueError, DatasetError) as err:
            msg = f"decision {decision.get('transaction_id')!r}: not shaped like schemas.decision.Decision ({err!r})"
            raise BacktestError(msg) from err
        if self.ruleset_version is None:
            self.ruleset_version = decision.get("ruleset_version")
            self.model_version = decision.get("model_version")

    def freeze(self, truth: Truth) -> Columns:
        """The columns with fraud and scenario joined from `truth` (hindsight: all labels of the input)."""
        tx = _view(self._tx, np.int64)
        fraud = {hash(t): s for t, s in truth.fraud.items()}
        y = np.isin(tx, np.fromiter(fraud, dtype=np.int64, count=len(fraud))).astype(np.int8)
        names = sorted({s for s in fraud.values() if s})
        index = {name: i for i, name in enumerate(names)}
        scenario = np.full(len(tx), -1, dtype=np.int32)
        for position in np.flatnonzero(y):
            tag = fraud[int(tx[position])]
            scenario[position] = index[tag] if tag else -1
        return Columns(tx=tx, y=y, score=_view(self._score, np.float64), account_id=_view(self._account, np.int64),
                       event_time_ms=_view(self._time, np.int64), action=_view(self._action, np.int8),
                       scenario=scenario, scenarios=tuple(names),
                       active={r: _view(p, np.int64) for r, p in self._active.items()},
                       shadow={r: _view(p, np.int64) for r, p in self._shadow.items()})


def _view(values: array[Any], dtype: type[np.generic]) -> np.ndarray:
    """The array's buffer as a numpy vector without a copy (the log is not appended to once frozen)."""
    return np.frombuffer(values, dtype=dtype) if len(values) else np.zeros(0, dtype=dtype)


def columns_of(rows: Sequence[Row]) -> Columns:
    """Hand-made rows (tests, small inputs) as the columns the metrics read."""
    log = RunLog()
    labels = []
    for row in rows:
        hits = [{"rule_id": r} for r in row.active_rules] + [{"rule_id": r, "shadow": True} for r in row.shadow_rules]
        log.add({"transaction_id": row.transaction_id, "account_id": row.account_id,
                 "event_time": row.event_time_ms, "action": row.action, "score": row.score, "rule_hits": hits})
        if row.fraud:
            labels.append({"transaction_id": row.transaction_id, "is_fraud": True, "scenario": row.scenario})
    return log.freeze(truth_from_labels(labels))


def to_columns(decisions: Iterable[Mapping[str, Any]], truth: Truth) -> Columns:
    """Decision records (shaped like `schemas.decision.Decision`) joined with `truth`."""
    log = RunLog()
    for decision in decisions:
        log.add(decision)
    return log.freeze(truth)


def bank_days(event_time_ms: np.ndarray, utc_offset_minutes: int) -> int:
    """Distinct calendar days (in the bank's zone) that hold at least one decision."""
    return len(np.unique((event_time_ms + utc_offset_minutes * 60_000) // DAY_MS))
