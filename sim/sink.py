"""Turns simulated acts into JSON-ready messages and keeps them in delivery order.

Every message goes through here, so ids, timestamps and label timing are made in one place. Records
wait in a heap keyed by (deliver_at_ms, sequence) until the engine knows nothing earlier can still come.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

import numpy as np

from sim.amounts import fmt
from sim.clock import iso
from sim.labels import GENUINE, LABEL_POLICIES
from sim.population import Customer
from sim.records import SimRecord

HOME = "home"  # sentinel: the customer's own county code


class Sink:
    def __init__(self, seed: int, label_rng: np.random.Generator, missed_fraud_rate: float = 0.0) -> None:
        self._heap: list[tuple[int, int, SimRecord]] = []
        self._seq = 0
        self._tx = 0
        self._ev = 0
        self._id_tag = f"{seed:x}"
        self._label_rng = label_rng
        self._missed = missed_fraud_rate
        self.counts = {"transaction": 0, "account_event": 0, "label": 0, "fraud": 0, "missed_fraud": 0}

    def _push(self, record: SimRecord) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (record.deliver_at_ms, self._seq, record))
        self.counts[record.kind] += 1

    def tx(self, t_ms: int, cust: Customer, account_id: str, channel: str, tx_type: str, amount: float,
           counterparty: dict | None = None, device_id: str | None = None, geo: dict | None = None,
           ip: str | None = None, region_code: str | None = HOME) -> dict:
        """Record a transaction; returns its value so a scenario can label it.

        `region_code` defaults to the customer's home county; None means abroad (no GB/T 2260 code).
        """
        self._tx += 1
        value = {
            "transaction_id": f"T{self._id_tag}-{self._tx:09d}", "event_time": iso(t_ms),
            "account_id": account_id, "customer_id": cust.customer_id, "branch": dict(cust.branch),
            "channel": channel, "tx_type": tx_type, "amount": fmt(amount), "currency": "CNY",
            "counterparty": dict(counterparty) if counterparty else None, "device_id": device_id, "ip": ip,
            "geo": geo, "region_code": cust.county.code if region_code == HOME else region_code,
            "customer_age": cust.age, "attributes": {},
        }
        self._push(SimRecord("transaction", account_id, value, t_ms, t_ms))
        return value

    def event(self, t_ms: int, cust: Customer, account_id: str, kind: str, channel: str | None = "mobile",
              device_id: str | None = None, geo: dict | None = None, ip: str | None = None,
              payee_id: str | None = None) -> dict:
        """Record an account event (login, binding, reset ...)."""
        self._ev += 1
        value = {
            "event_id": f"E{self._id_tag}-{self._ev:09d}", "event_time": iso(t_ms), "account_id": account_id,
            "customer_id": cust.customer_id, "kind": kind, "branch": dict(cust.branch), "channel": channel,
            "device_id": device_id, "ip": ip, "geo": geo, "payee_id": payee_id,
        }
        self._push(SimRecord("account_event", account_id, value, t_ms, t_ms))
        return value

    def label(self, tx: dict, t_ms: int, scenario: str) -> None:
        """Label a transaction: fraud for a scenario name, genuine for `sim.labels.GENUINE`.

        A share `missed_fraud_rate` of fraud is never reported: no label is written (the truth the
        simulator knows, a bank would not)."""
        policy = LABEL_POLICIES[scenario]
        confirmed = t_ms + policy.delay_ms(self._label_rng)
        is_fraud = scenario != GENUINE
        if is_fraud and self._missed and self._label_rng.random() < self._missed:
            self.counts["missed_fraud"] += 1
            return
        counterparty = tx["counterparty"]
        value = {
            "transaction_id": tx["transaction_id"], "is_fraud": is_fraud, "source": policy.source,
            "confirmed_at": iso(confirmed), "account_id": tx["account_id"],
            "counterparty_id": counterparty["id"] if counterparty else None, "device_id": tx["device_id"],
            "location_cell": None, "geo": tx.get("geo"), "region_code": tx.get("region_code"),
            "scenario": scenario if is_fraud else None,
        }
        self.counts["fraud"] += is_fraud
        self._push(SimRecord("label", tx["transaction_id"], value, t_ms, confirmed))

    def drain_before(self, deliver_before_ms: int | None) -> Iterator[SimRecord]:
        """Pop records due before the bound (all of them for None), in delivery order."""
        heap = self._heap
        while heap and (deliver_before_ms is None or heap[0][0] < deliver_before_ms):
            yield heapq.heappop(heap)[2]
