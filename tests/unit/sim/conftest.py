"""Shared simulations: built once per module, small enough to keep the unit tier fast."""

from __future__ import annotations

from collections import defaultdict

import pytest

from sim import SimConfig, SimRecord, simulate


def run(**overrides: object) -> list[SimRecord]:
    return list(simulate(SimConfig(**{"seed": 11, "customers": 400, "days": 2.0, **overrides})))


def scenario_run(name: str, seed: int = 5) -> list[SimRecord]:
    """A run with only one fraud scenario, at a rate that yields several cases."""
    return run(seed=seed, scenario_weights={name: 1.0}, fraud_rate=0.05)


def fraud_transactions(records: list[SimRecord], scenario: str) -> list[dict]:
    """Transactions labelled fraud with this scenario, in event-time order."""
    ids = {r.key for r in records if r.kind == "label" and r.value["scenario"] == scenario}
    return [r.value | {"_ms": r.event_time_ms} for r in records
            if r.kind == "transaction" and r.value["transaction_id"] in ids]


def by_account(records: list[SimRecord], kind: str) -> dict[str, list[SimRecord]]:
    out: dict[str, list[SimRecord]] = defaultdict(list)
    for r in records:
        if r.kind == kind:
            out[r.key].append(r)
    return out


@pytest.fixture(scope="session")
def week() -> list[SimRecord]:
    """A week of the default scenario mix."""
    return run(seed=3, customers=1500, days=7.0)
