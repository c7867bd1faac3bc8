"""A transaction's first decision is the only one that reaches the output topics.

Each entity stage re-emits the features it first computed for a redelivered transaction, but only while the
entity still holds that snapshot (`replay_capacity`): a busy payee can age it out before an upstream stage,
redone after a crash or a partition move, sends the transaction again. The redo then carries other features
and, before this store existed, could reach another action (BLOCK, then ALLOW) on the output topics.

The score stage therefore keeps, per account (its topic's key), the outputs it emitted for each recent
transaction, and answers any later copy with exactly those bytes. Why that is enough under at-least-once:
a stage processes its partition in order, so the first copy of a transaction in the score topic is decided
first; a crash before that decision's record was checkpointed replays the same copy from the same state,
which decides the same; any later copy finds the record. What is kept is bounded per account by event
time (`horizon_ms`: longer than any redo takes) and by count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

State = dict[str, Any]


@dataclass(frozen=True)
class FirstDecisionConfig:
    horizon_ms: int = 60 * 60_000  # a redo arrives within a session timeout plus the catch-up: minutes
    capacity: int = 64  # decisions kept per account at most, the oldest dropped first


@dataclass(frozen=True)
class Recorded:
    """The outputs emitted the first time, re-sent unchanged (JSON round-trips them byte for byte)."""

    decision: dict[str, Any]
    alert: dict[str, Any] | None
    blocks: list[dict[str, Any]]
    ingest_ms: int
    source_tag: str


def find(state: State | None, transaction_id: str) -> Recorded | None:
    for entry in (state or {}).get("d", ()):
        if entry[0] == transaction_id:
            return Recorded(entry[2], entry[3], entry[4], entry[5], entry[6])
    return None


def record(state: State | None, transaction_id: str, event_time_ms: int, outputs: Recorded,
           cfg: FirstDecisionConfig) -> State:
    """Add a decision, then forget those older than the horizon (by the account's newest event time) and the
    oldest beyond capacity. Returns the state to save."""
    state = state if state is not None else {}
    entries: list[list[Any]] = state.setdefault("d", [])
    entries.append([transaction_id, event_time_ms, outputs.decision, outputs.alert, outputs.blocks,
                    outputs.ingest_ms, outputs.source_tag])
    newest = max(entry[1] for entry in entries)
    kept = [entry for entry in entries if entry[1] >= newest - cfg.horizon_ms]
    state["d"] = kept[-cfg.capacity:]
    return state
