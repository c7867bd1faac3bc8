"""Training and evaluation sets from decision records joined with labels *as known at a cut-off*.

Point-in-time rule: a label counts only if `confirmed_at <= cutoff`. A transaction with several labels
takes the latest one confirmed by the cut-off (on a tie, fraud wins: a chargeback outranks a silent
"genuine"). Training and evaluation each have their own cut-off, so an evaluation never peeks at verdicts
that arrived after the moment it pretends to be.

Unlabelled transactions (no label confirmed by the cut-off) are by default treated as genuine: most
transactions never get an explicit verdict, fraud is what gets reported (complaints, chargebacks,
analyst review), so silence is the best available evidence of "genuine", and the model then learns on the
population it will score. The price is that recent fraud not yet reported looks genuine; leave a maturity
gap between a window's end and its cut-off. `Unlabelled.DROP` keeps only explicitly labelled rows
(useful when every decision is reviewed, e.g. simulator data).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

import numpy as np
import structlog

from modelplatform.exceptions import DatasetError
from modelplatform.records import to_ms

log = structlog.get_logger(__name__)

NO_LIMIT_MS = 2**62


class Unlabelled(StrEnum):
    GENUINE = "genuine"
    DROP = "drop"


@dataclass(frozen=True)
class DecisionRecord:
    transaction_id: str
    account_id: str
    event_time_ms: int
    features: Mapping[str, object]
    rule_score: float
    score: float
    model_score: float
    challenger_score: float


@dataclass(frozen=True)
class LabelRecord:
    transaction_id: str
    is_fraud: bool
    confirmed_at_ms: int


def _optional_score(raw: Mapping[str, Any], key: str) -> float:
    value = raw.get(key)
    return math.nan if value is None else float(value)


def parse_decision(raw: Mapping[str, Any]) -> DecisionRecord:
    """A dict shaped like `schemas.decision.Decision` (times as ISO text, datetime or ms)."""
    try:
        features = raw["features"]
        if not isinstance(features, Mapping):
            msg = f"decision {raw.get('transaction_id')!r}: 'features' is {type(features).__name__}, not a dict"
            raise DatasetError(msg)
        return DecisionRecord(
            transaction_id=str(raw["transaction_id"]), account_id=str(raw["account_id"]),
            event_time_ms=to_ms(raw["event_time"], what="decision.event_time"), features=features,
            rule_score=float(raw["rule_score"]), score=_optional_score(raw, "score"),
            model_score=_optional_score(raw, "model_score"),
            challenger_score=_optional_score(raw, "challenger_score"))
    except (KeyError, TypeError, ValueError) as ex:
        msg = f"decision {raw.get('transaction_id')!r}: missing or malformed field: {ex!r}"
        raise DatasetError(msg) from ex


def parse_label(raw: Mapping[str, Any]) -> LabelRecord:
    """A dict shaped like `schemas.label.Label`."""
    try:
        return LabelRecord(str(raw["transaction_id"]), bool(raw["is_fraud"]),
                           to_ms(raw["confirmed_at"], what="label.confirmed_at"))
    except (KeyError, TypeError, ValueError) as ex:
        msg = f"label {raw.get('transaction_id')!r}: missing or malformed field: {ex!r}"
        raise DatasetError(msg) from ex


def known_labels(labels: Iterable[LabelRecord], cutoff_ms: int) -> dict[str, bool]:
    """transaction id → verdict, from labels confirmed at or before the cut-off only."""
    best: dict[str, tuple[int, bool]] = {}
    for label in labels:
        if label.confirmed_at_ms > cutoff_ms:
            continue
        key = (label.confirmed_at_ms, label.is_fraud)
        current = best.get(label.transaction_id)
        if current is None or key > current:
            best[label.transaction_id] = key
    return {tx: verdict for tx, (_, verdict) in best.items()}


@dataclass(frozen=True)
class LabelledSet:
    """Column-wise rows of one window: features, outcome, and the live scores recorded at decision time."""

    transaction_ids: np.ndarray
    account_ids: np.ndarray
    event_time_ms: np.ndarray
    features: tuple[Mapping[str, object], ...]
    y: np.ndarray  # 1 fraud, 0 genuine (explicit or assumed)
    labelled: np.ndarray  # True where a label was known by the cut-off
    rule_score: np.ndarray
    score: np.ndarray
    model_score: np.ndarray
    challenger_score: np.ndarray
    start_ms: int
    end_ms: int
    cutoff_ms: int
    unlabelled: Unlabelled

    def __len__(self) -> int:
        return len(self.y)

    @property
    def positives(self) -> int:
        return int(self.y.sum())

    def subset(self, mask: np.ndarray) -> LabelledSet:
        """Rows where `mask` holds, same window and cut-off."""
        values = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "features":
                value = tuple(row for row, keep in zip(value, mask, strict=True) if keep)
            elif isinstance(value, np.ndarray):
                value = value[mask]
            values[f.name] = value
        return LabelledSet(**values)


def build_set(decisions: Iterable[DecisionRecord], labels: Iterable[LabelRecord], *, start_ms: int,
              end_ms: int, cutoff_ms: int, unlabelled: Unlabelled = Unlabelled.GENUINE) -> LabelledSet:
    """Decisions with `start_ms <= event_time < end_ms`, each with its verdict as known at `cutoff_ms`.

    Duplicate decisions (re-emitted after a crash, identical by contract) count once.
    """
    verdicts = known_labels(labels, cutoff_ms)
    seen: set[str] = set()
    rows: list[tuple[DecisionRecord, int, bool]] = []
    duplicates = 0
    for d in decisions:
        if not start_ms <= d.event_time_ms < end_ms:
            continue
        if d.transaction_id in seen:
            duplicates += 1
            continue
        seen.add(d.transaction_id)
        verdict = verdicts.get(d.transaction_id)
        if verdict is None and unlabelled is Unlabelled.DROP:
            continue
        rows.append((d, int(bool(verdict)), verdict is not None))
    rows.sort(key=lambda r: (r[0].event_time_ms, r[0].transaction_id))
    if duplicates:
        log.info("duplicate_decisions_ignored", count=duplicates)

    def col(getter: Any, dtype: Any) -> np.ndarray:
        return np.array([getter(r) for r in rows], dtype=dtype)

    return LabelledSet(
        transaction_ids=col(lambda r: r[0].transaction_id, object),
        account_ids=col(lambda r: r[0].account_id, object),
        event_time_ms=col(lambda r: r[0].event_time_ms, np.int64),
        features=tuple(r[0].features for r in rows),
        y=col(lambda r: r[1], np.int8), labelled=col(lambda r: r[2], bool),
        rule_score=col(lambda r: r[0].rule_score, np.float64), score=col(lambda r: r[0].score, np.float64),
        model_score=col(lambda r: r[0].model_score, np.float64),
        challenger_score=col(lambda r: r[0].challenger_score, np.float64),
        start_ms=start_ms, end_ms=end_ms, cutoff_ms=cutoff_ms, unlabelled=unlabelled)


@dataclass(frozen=True)
class SplitSpec:
    """Train on [train_start, split_time) with labels known at `train_cutoff_ms`; evaluate on
    [split_time, eval_end) with labels known at `eval_cutoff_ms`."""

    split_time_ms: int
    train_cutoff_ms: int
    eval_cutoff_ms: int
    eval_end_ms: int = NO_LIMIT_MS
    train_start_ms: int = -NO_LIMIT_MS
    unlabelled: Unlabelled = Unlabelled.GENUINE

    def __post_init__(self) -> None:
        if not self.train_start_ms < self.split_time_ms < self.eval_end_ms:
            msg = (f"split needs train_start < split_time < eval_end, got {self.train_start_ms}, "
                   f"{self.split_time_ms}, {self.eval_end_ms}")
            raise DatasetError(msg)


@dataclass(frozen=True)
class Split:
    train: LabelledSet
    evaluation: LabelledSet


def time_split(decisions: Iterable[DecisionRecord], labels: Iterable[LabelRecord], spec: SplitSpec) -> Split:
    """Disjoint, time-ordered train and evaluation sets, each with its own label cut-off."""
    decisions, labels = list(decisions), list(labels)
    train = build_set(decisions, labels, start_ms=spec.train_start_ms, end_ms=spec.split_time_ms,
                      cutoff_ms=spec.train_cutoff_ms, unlabelled=spec.unlabelled)
    evaluation = build_set(decisions, labels, start_ms=spec.split_time_ms, end_ms=spec.eval_end_ms,
                           cutoff_ms=spec.eval_cutoff_ms, unlabelled=spec.unlabelled)
    log.info("time_split", train_rows=len(train), train_fraud=train.positives, eval_rows=len(evaluation),
             eval_fraud=evaluation.positives)
    return Split(train, evaluation)
