"""Retention: decisions and alerts older than the retention window go, and so do blocks issued before it
that have expired. Versions, activations and keys stay (small, and the history is the point)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, delete

from service.store.models import AlertRow, BlockRow, DecisionRow, RuleHitRow

DAY_MS = 86_400_000


@dataclass(frozen=True)
class Purged:
    decisions: int
    rule_hits: int
    alerts: int
    blocks: int


def purge(engine: Engine, retention_days: int, now_ms: int) -> Purged:
    cutoff = now_ms - retention_days * DAY_MS
    with engine.begin() as connection:
        hits = connection.execute(delete(RuleHitRow).where(RuleHitRow.event_time_ms < cutoff)).rowcount
        decisions = connection.execute(delete(DecisionRow).where(DecisionRow.event_time_ms < cutoff)).rowcount
        alerts = connection.execute(delete(AlertRow).where(AlertRow.event_time_ms < cutoff)).rowcount
        blocks = connection.execute(delete(BlockRow).where(
            BlockRow.issued_at_ms < cutoff, BlockRow.expires_at_ms.is_not(None),
            BlockRow.expires_at_ms <= now_ms)).rowcount
    return Purged(decisions, hits, alerts, blocks)
