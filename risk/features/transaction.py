"""`tx.*` features: what the transaction itself says, normalised for rules and models."""

from __future__ import annotations

from risk.facts import TxFacts
from risk.features.common import FeatureValues

HOME_COUNTRY = "CN"


def tx_features(facts: TxFacts, utc_offset_minutes: int) -> FeatureValues:
    """`utc_offset_minutes` is the bank's zone (China: +480, no DST), so `tx.hour` is the local hour."""
    local_minutes = facts.event_time_ms // 60_000 + utc_offset_minutes
    return {
        "tx.amount": facts.amount,
        "tx.channel": facts.channel,
        "tx.tx_type": facts.tx_type,
        "tx.currency": facts.currency,
        "tx.hour": int(local_minutes // 60 % 24),
        "tx.is_cross_border": facts.counterparty_country not in (None, HOME_COUNTRY),
        "tx.is_other_bank": facts.counterparty_bank is not None,
        "tx.counterparty_bank": facts.counterparty_bank,
        "tx.counterparty_kind": facts.counterparty_kind,
        "tx.customer_age": facts.customer_age,
        "tx.has_device": facts.device_id is not None,
        "tx.has_geo": facts.lat is not None,
        "tx.account_id": facts.account_id,
        "tx.customer_id": facts.customer_id,
        "tx.device_id": facts.device_id,
        "tx.counterparty_id": facts.counterparty_id,
        "tx.ip": facts.ip,
        "tx.branch_path": facts.branch_path,
    }
