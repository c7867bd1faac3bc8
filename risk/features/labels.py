"""Label-fed risk state: confirmed verdicts counted by the time they became known, never earlier."""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

from risk.features.buckets import DAY_MS
from risk.features.common import StageConfig, State

WINDOW_30D_MS = 30 * DAY_MS
LABEL_WINDOWS: dict[str, int] = {"1d": DAY_MS, "7d": 7 * DAY_MS, "30d": WINDOW_30D_MS}
# Short-window fraud shares: a payee compromised today has a month of genuine verdicts diluting its 30-day
# rate, not its 1-day one.
RATE_WINDOWS = ("1d", "7d", "30d")


class LabelEntry(NamedTuple):
    """One remembered verdict; stored in the state as the list `[transaction_id, confirmed_ms, is_fraud]`."""

    transaction_id: str
    confirmed_ms: int
    is_fraud: int  # 1 or 0


def _confirmed_ms(entry: list[Any]) -> int:
    return LabelEntry(*entry).confirmed_ms


def apply_label(state: State, transaction_id: str, is_fraud: bool, confirmed_ms: int, cfg: StageConfig) -> None:
    """Record (or correct) the verdict on one transaction; the latest confirmation wins."""
    labels: list[list[Any]] = state.setdefault("lab", [])
    labels[:] = [entry for entry in labels if LabelEntry(*entry).transaction_id != transaction_id]
    labels.append(list(LabelEntry(transaction_id, confirmed_ms, 1 if is_fraud else 0)))
    labels.sort(key=_confirmed_ms)
    if len(labels) > cfg.label_capacity:
        del labels[: len(labels) - cfg.label_capacity]


def label_features(entity: str, state: State, now_ms: int) -> dict[str, int | float | None]:
    """Fraud verdicts confirmed in the last 1/7/30 days, the fraud share of each window's verdicts, and the
    days since the newest fraud verdict, as known at `now` (a verdict confirmed later does not exist yet)."""
    fraud = dict.fromkeys(LABEL_WINDOWS, 0)
    genuine = dict.fromkeys(LABEL_WINDOWS, 0)
    newest_fraud: int | None = None
    for _, confirmed, is_fraud in state.get("lab", ()):
        age = now_ms - confirmed
        if age < 0:
            continue
        if is_fraud:
            newest_fraud = confirmed if newest_fraud is None else max(newest_fraud, confirmed)
        counts = fraud if is_fraud else genuine
        for name, width in LABEL_WINDOWS.items():
            if age < width:
                counts[name] += 1
    count_names, rate_names, since_name = _names(entity)
    out: dict[str, int | float | None] = dict(zip(count_names, fraud.values(), strict=True))
    for w, name in zip(RATE_WINDOWS, rate_names, strict=True):
        total = fraud[w] + genuine[w]
        out[name] = fraud[w] / total if total else None
    out[since_name] = None if newest_fraud is None else (now_ms - newest_fraud) / DAY_MS
    return out


@cache
def _names(entity: str) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """The entity's label feature names, built once: counts (by `LABEL_WINDOWS`), rates, days since."""
    return (tuple(f"{entity}.fraud_count_{w}" for w in LABEL_WINDOWS),
            tuple(f"{entity}.fraud_rate_{w}" for w in RATE_WINDOWS), f"{entity}.days_since_fraud")
