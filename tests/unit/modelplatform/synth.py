"""Synthetic decision and label records for tests: catalogue feature names, a known fraud pattern.

Patterns:
- "interaction": fraud when the device is new to the account AND the amount is large (trees and, roughly,
  a linear model can find it);
- "xor": fraud when exactly one of (amount z-score > 1, device shared by >= 4 accounts) holds: invisible to
  a linear model, easy for trees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from modelplatform.features import model_features
from risk.features.catalog import FEATURES
from schemas.decision import Decision
from schemas.label import Label

START = datetime(2024, 5, 1, tzinfo=UTC)
DAY_MS = 86_400_000
_CATEGORIES = {
    "tx.channel": ["mobile", "online", "quickpay", "counter", "atm", "pos", "api"],
    "tx.tx_type": ["transfer", "payment", "withdrawal", "deposit", "bill_payment"],
    "tx.currency": ["CNY", "CNY", "CNY", "USD"],
    "tx.counterparty_bank": ["RCC", "ICBC", "ABC", "CCB"],
    "tx.counterparty_kind": ["account", "merchant"],
}


@dataclass(frozen=True)
class Synthetic:
    decisions: list[dict]
    labels: list[dict]
    is_fraud: np.ndarray  # ground truth per decision, labelled or not


def _value(name: str, rng: np.random.Generator) -> object:
    spec = FEATURES[name]
    if spec.nullable and rng.random() < 0.1:
        return None
    if spec.dtype == "str":
        options = _CATEGORIES.get(name, ["a", "b"])
        return options[int(rng.integers(len(options)))]
    if spec.dtype == "bool":
        return bool(rng.random() < 0.2)
    if spec.dtype == "int":
        return int(rng.poisson(2.0))
    return float(round(rng.lognormal(3.0, 1.0), 2))


def _fraud_probability(f: dict, pattern: str) -> float:
    if pattern == "interaction":
        return 0.9 if f["account.is_new_device"] and f["tx.amount"] > 3000 else 0.02
    if pattern == "xor":
        z = f["account.amount_zscore_30d"] or 0.0
        return 0.9 if (z > 1.0) != (f["device.distinct_accounts_24h"] >= 4) else 0.05
    raise ValueError(pattern)


def make_records(n: int = 2000, *, seed: int = 0, pattern: str = "interaction", days: int = 10,
                 accounts: int = 150, label_genuine_share: float = 0.3) -> Synthetic:
    """`n` decisions spread over `days`; every fraud is labelled 1-5 days later, some genuine ones too."""
    rng = np.random.default_rng(seed)
    names = model_features()
    decisions, labels, truth = [], [], []
    for i in range(n):
        f = {name: _value(name, rng) for name in names}
        f["tx.amount"] = float(round(rng.lognormal(7.0, 1.2), 2))
        f["account.is_new_device"] = bool(rng.random() < 0.25)
        f["account.amount_zscore_30d"] = float(rng.normal(0.0, 1.5))
        f["device.distinct_accounts_24h"] = int(rng.integers(1, 6))
        fraud = bool(rng.random() < _fraud_probability(f, pattern))
        event_time = START + timedelta(milliseconds=int(rng.integers(days * DAY_MS)))
        tx_id = f"tx{i:06d}"
        rule_score = float(np.clip((0.6 if f["tx.amount"] > 3000 else 0.1) + rng.normal(0, 0.1), 0, 1))
        model_score = float(np.clip(0.5 * fraud + rng.uniform(0, 0.6), 0, 1))
        challenger = float(np.clip(0.8 * fraud + rng.uniform(0, 0.4), 0, 1))
        decision = Decision(
            transaction_id=tx_id, account_id=f"acc{int(rng.integers(accounts)):04d}", event_time=event_time,
            action="ALLOW", score=max(rule_score, model_score), rule_score=rule_score, model_score=model_score,
            challenger_score=challenger, reason_codes=[], rule_hits=[], features=f, ruleset_version="rs-1",
            model_version="m-1", challenger_version="m-2", branch_path="44/4401/440106",
            channel=str(f["tx.channel"]), amount=f"{f['tx.amount']:.2f}")
        decisions.append(decision.model_dump(mode="json"))
        truth.append(fraud)
        if fraud or rng.random() < label_genuine_share:
            delay = timedelta(days=float(rng.uniform(1, 5)))
            label = Label(transaction_id=tx_id, is_fraud=fraud, source="simulator",
                          confirmed_at=event_time + delay)
            labels.append(label.model_dump(mode="json"))
    return Synthetic(decisions, labels, np.array(truth))


def ms(dt: datetime) -> int:
    return math.floor(dt.timestamp() * 1000)
