"""Label-fed risk state: confirmed verdicts counted by the time they became known, never earlier."""

from __future__ import annotations

from risk.features.buckets import DAY_MS
from risk.features.common import StageConfig, State

WINDOW_30D_MS = 30 * DAY_MS


def apply_label(state: State, transaction_id: str, is_fraud: bool, confirmed_ms: int, cfg: StageConfig) -> None:
    """Record (or correct) the verdict on one transaction; the latest confirmation wins."""
    labels: list[list[object]] = state.setdefault("lab", [])
    labels[:] = [entry for entry in labels if entry[0] != transaction_id]
    labels.append([transaction_id, confirmed_ms, 1 if is_fraud else 0])
    labels.sort(key=lambda entry: entry[1])  # type: ignore[arg-type, return-value]
    if len(labels) > cfg.label_capacity:
        del labels[: len(labels) - cfg.label_capacity]


def known_counts(state: State, now_ms: int) -> tuple[int, int]:
    """(fraud, genuine) verdicts confirmed in `(now - 30d, now]`: what was known at `now`."""
    fraud = genuine = 0
    low = now_ms - WINDOW_30D_MS
    for _, confirmed, is_fraud in state.get("lab", ()):
        if low < confirmed <= now_ms:
            if is_fraud:
                fraud += 1
            else:
                genuine += 1
    return fraud, genuine
