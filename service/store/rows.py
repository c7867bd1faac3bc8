"""Messages to table rows: pure functions, so the sink's batching and the tests share one mapping."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from schemas.alert import Alert
from schemas.block_command import BlockCommand
from schemas.decision import Decision

VERSION_KINDS = (("ruleset", "ruleset_version"), ("policy", "policy_version"), ("model-champion", "model_version"),
                 ("model-challenger", "challenger_version"))  # named as on the control topic


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def decision_row(decision: Decision, stored_at_ms: int) -> dict[str, Any]:
    features = decision.features
    return {
        "transaction_id": decision.transaction_id, "account_id": decision.account_id,
        "customer_id": _text(features.get("tx.customer_id")), "device_id": _text(features.get("tx.device_id")),
        "counterparty_id": _text(features.get("tx.counterparty_id")), "branch_path": decision.branch_path,
        "event_time_ms": ms(decision.event_time), "action": str(decision.action), "score": decision.score,
        "channel": decision.channel, "ruleset_version": decision.ruleset_version,
        "policy_version": decision.policy_version, "model_version": decision.model_version,
        "stored_at_ms": stored_at_ms, "record": decision.model_dump_json(),
    }


def rule_hit_rows(decision: Decision) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for hit in decision.rule_hits:
        seen.setdefault(hit.rule_id, {"transaction_id": decision.transaction_id, "rule_id": hit.rule_id,
                                      "event_time_ms": ms(decision.event_time), "shadow": hit.shadow})
    return list(seen.values())


def alert_row(alert: Alert, stored_at_ms: int) -> dict[str, Any]:
    return {"alert_id": alert.alert_id, "transaction_id": alert.transaction_id, "account_id": alert.account_id,
            "branch_path": alert.branch_path, "event_time_ms": ms(alert.event_time), "action": str(alert.action),
            "score": alert.score, "stored_at_ms": stored_at_ms, "record": alert.model_dump_json()}


def block_row(block: BlockCommand, stored_at_ms: int) -> dict[str, Any]:
    return {"command_id": block.command_id, "action": str(block.action), "target_id": block.target_id,
            "transaction_id": block.transaction_id, "account_id": block.account_id,
            "issued_at_ms": ms(block.issued_at),
            "expires_at_ms": None if block.expires_at is None else ms(block.expires_at),
            "stored_at_ms": stored_at_ms, "record": block.model_dump_json()}


@dataclass
class VersionSighting:
    first_seen_ms: int
    last_seen_ms: int
    decisions: int = 0


def versions_seen(decisions: Iterable[Decision]) -> dict[tuple[str, str], VersionSighting]:
    """(kind, version) → when first and last seen and how often, over a batch of decisions."""
    seen: dict[tuple[str, str], VersionSighting] = {}
    for decision in decisions:
        at = ms(decision.event_time)
        for kind, attribute in VERSION_KINDS:
            version = getattr(decision, attribute)
            if version is None:
                continue
            sighting = seen.setdefault((kind, version), VersionSighting(at, at))
            sighting.first_seen_ms = min(sighting.first_seen_ms, at)
            sighting.last_seen_ms = max(sighting.last_seen_ms, at)
            sighting.decisions += 1
    return seen


@dataclass(frozen=True)
class ControlPointer:
    kind: str
    version: str
    published_at_ms: int
    author: str
    note: str
    verified: bool


@dataclass
class Batch:
    """What one sink poll writes in one store transaction."""

    decisions: list[Decision] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    blocks: list[BlockCommand] = field(default_factory=list)
    pointers: list[ControlPointer] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.decisions) + len(self.alerts) + len(self.blocks) + len(self.pointers)


def record(text: str) -> dict[str, Any]:
    """A stored message back as JSON-ready data."""
    return orjson.loads(text)
