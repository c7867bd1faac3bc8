"""Cards, terminals and their traffic, day by day; fraud drawn to the configured rate.

Each card has a home county, a habit (median amount, payments per day) and a handful of favourite
terminals; genuine spending mostly stays there, with trips, large purchases and online shopping as the
look-alikes that make false positives. Fraud patterns write their own records with the pattern's name on
the label. Deterministic per seed.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from sim.amounts import fmt
from sim.cards.names import CARD_SCENARIO_WEIGHTS
from sim.clock import iso, local_midnight
from sim.config import DAY_MS, SimConfig
from sim.records import SimRecord

HOUR_MS = 3_600_000
MAX_CARD_CNY = 2_600.0  # the largest card payment this issuer allows
COUNTIES = (("33", "3301", "330102"), ("33", "3301", "330106"), ("33", "3302", "330203"),
            ("33", "3303", "330302"), ("33", "3304", "330402"), ("33", "3306", "330602"))
TERMINALS_PER_COUNTY = 60
ONLINE_TERMINALS = 40
CARD_BASE, CUSTOMER_BASE, TERMINAL_BASE, ONLINE_BASE = 622_100_000, 10_000, 80_000, 90_000
LABEL_DELAY_MS = 7 * DAY_MS  # verdicts arrive about a week late
GENUINE = "genuine"
FALSE_COMPLAINT = "false_complaint"


@dataclass(slots=True)
class Card:
    number: int
    customer: int
    county: int  # index into COUNTIES
    age: int
    median: float
    rate: float
    favourites: list[int] = field(default_factory=list)


class CardWorld:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        pop_rng, self.rng, self.fraud_rng, self.label_rng = (np.random.default_rng(s) for s in
                                                             np.random.SeedSequence(config.seed).spawn(4))
        self.terminals = [[TERMINAL_BASE + c * 1_000 + k for k in range(TERMINALS_PER_COUNTY)]
                          for c in range(len(COUNTIES))]
        self.online = [ONLINE_BASE + k for k in range(ONLINE_TERMINALS)]
        n = config.customers
        counties = pop_rng.integers(len(COUNTIES), size=n)
        self.cards = [Card(number=CARD_BASE + i, customer=CUSTOMER_BASE + int(i / 1.25), county=int(counties[i]),
                           age=int(pop_rng.integers(18, 80)), median=float(np.exp(pop_rng.normal(np.log(35), 0.6))),
                           rate=float(pop_rng.gamma(2.0, 0.6)))
                      for i in range(n)]
        for card in self.cards:
            local = self.terminals[card.county]
            card.favourites = [int(local[j]) for j in pop_rng.choice(len(local), int(pop_rng.integers(4, 10)),
                                                                      replace=False)]
            card.favourites.append(int(self.online[int(pop_rng.integers(len(self.online)))]))
        self.trip_until = np.zeros(n, dtype=np.int64)
        self.trip_county = np.zeros(n, dtype=np.int64)
        self._heap: list[tuple[int, int, SimRecord]] = []
        self._seq = 0
        self._tx = 0
        self.bad_terminals: list[int] = []

    # --- records ------------------------------------------------------------------------------------
    def tx(self, t: int, card: Card, amount: float, terminal: int) -> dict:
        self._tx += 1
        province, city, county = COUNTIES[card.county]
        online = terminal >= ONLINE_BASE
        where = COUNTIES[(terminal - TERMINAL_BASE) // 1_000][2] if not online else None
        value = {
            "transaction_id": str(5_000_000_000 + self._tx), "event_time": iso(t), "account_id": str(card.number),
            "customer_id": str(card.customer), "branch": {"province": province, "city": city, "county": county},
            "channel": "online" if online else "pos", "tx_type": "payment",
            "amount": fmt(min(max(amount, 0.01), MAX_CARD_CNY)), "currency": "CNY",
            "counterparty": {"id": str(terminal), "kind": "merchant"}, "device_id": None, "ip": None, "geo": None,
            "region_code": where, "customer_age": card.age, "attributes": {},
        }
        self._push(SimRecord("transaction", str(card.number), value, t, t))
        return value

    def label(self, tx: dict, t: int, scenario: str) -> None:
        is_fraud = scenario != GENUINE
        if scenario not in (GENUINE, FALSE_COMPLAINT) and self.label_rng.random() < self.config.missed_fraud_rate:
            return  # never reported
        confirmed = t + LABEL_DELAY_MS + int(self.label_rng.uniform(-2, 3) * DAY_MS)
        value = {"transaction_id": tx["transaction_id"], "is_fraud": is_fraud,
                 "source": "chargeback" if is_fraud else "analyst", "confirmed_at": iso(confirmed),
                 "account_id": tx["account_id"], "counterparty_id": tx["counterparty"]["id"], "device_id": None,
                 "location_cell": None, "geo": None, "region_code": tx["region_code"],
                 "scenario": scenario if is_fraud else None}
        self._push(SimRecord("label", tx["transaction_id"], value, t, confirmed))

    def _push(self, record: SimRecord) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (record.deliver_at_ms, self._seq, record))

    def drain_before(self, bound: int | None) -> Iterator[SimRecord]:
        while self._heap and (bound is None or self._heap[0][0] < bound):
            yield heapq.heappop(self._heap)[2]

    # --- genuine ------------------------------------------------------------------------------------
    def _daytime(self, rng: np.random.Generator, day_start: int, n: int) -> np.ndarray:
        """`n` times on the local clock of the day starting at `day_start` (a China-time midnight)."""
        hours = np.clip(rng.normal(14.5, 3.5, n), 6.5, 23.5)
        return day_start + (hours * HOUR_MS).astype(np.int64)

    def genuine_day(self, day_start: int) -> int:
        """The payments of the local day starting at `day_start`, those inside the configured window only."""
        rng, cfg = self.rng, self.config
        counts = rng.poisson([c.rate for c in self.cards])
        made = 0
        leaving = np.flatnonzero((self.trip_until <= day_start) & (rng.random(len(self.cards)) < 0.004))
        for i in leaving.tolist():
            self.trip_until[i] = day_start + int(rng.integers(1, 4)) * DAY_MS
            self.trip_county[i] = int(rng.integers(len(COUNTIES)))
        for i in np.flatnonzero(counts).tolist():
            card = self.cards[i]
            for t in sorted(self._daytime(rng, day_start, int(counts[i])).tolist()):
                if not cfg.start_ms <= t < cfg.end_ms:
                    continue  # a first or last day cut by the window
                away = self.trip_until[i] > t
                u = rng.random()
                if away:
                    local = self.terminals[int(self.trip_county[i])]
                    terminal = int(local[int(rng.integers(len(local)))])
                elif u < 0.85:
                    terminal = card.favourites[int(rng.integers(len(card.favourites)))]
                elif u < 0.93:
                    local = self.terminals[card.county]
                    terminal = int(local[int(rng.integers(len(local)))])
                else:
                    terminal = int(self.online[int(rng.integers(len(self.online)))])
                big = rng.random() < 0.02 * cfg.lookalike_rate  # an appliance, a dinner party, a phone
                amount = card.median * float(np.exp(rng.normal(0, 0.5))) * (rng.uniform(5, 15) if big else 1.0)
                value = self.tx(int(t), card, round(amount, 2), terminal)
                made += 1
                v = rng.random()
                if v < cfg.genuine_label_rate:
                    self.label(value, int(t), GENUINE)
                elif v < cfg.genuine_label_rate + cfg.false_complaint_rate:
                    self.label(value, int(t), FALSE_COMPLAINT)
        return made

    # --- fraud --------------------------------------------------------------------------------------
    def card_testing(self, t: int) -> int:
        rng, card = self.fraud_rng, self.cards[int(self.fraud_rng.integers(len(self.cards)))]
        evasive = rng.random() < self.config.evasion
        n = 0
        for _ in range(int(rng.integers(3, 6) if evasive else rng.integers(4, 10))):
            amount = rng.uniform(10.5, 25) if evasive else rng.uniform(0.1, 3.0)
            self.label(self.tx(t, card, round(float(amount), 2), self._online(rng)), t, "card_testing")
            t += int(rng.uniform(3, 10) * 60_000) if evasive else int(rng.uniform(20, 120) * 1000)
            n += 1
        for _ in range(int(rng.integers(1, 4))):
            t += int(rng.uniform(5, 60) * 60_000)
            amount = card.median * rng.uniform(4, 15)
            self.label(self.tx(t, card, round(float(amount), 2), self._online(rng)), t, "card_testing")
            n += 1
        return n

    def compromised_terminal(self, t0: int) -> int:
        rng = self.fraud_rng
        county = int(rng.integers(len(COUNTIES)))
        terminal = int(self.terminals[county][int(rng.integers(TERMINALS_PER_COUNTY))])
        self.bad_terminals.append(terminal)
        victims = rng.choice(len(self.cards), int(rng.integers(8, 26)), replace=False).tolist()
        spread = int(rng.uniform(2, 10) * HOUR_MS)
        n = 0
        for i in victims:
            card = self.cards[i]
            for _ in range(int(rng.integers(1, 3))):
                t = t0 + int(rng.random() * spread)
                amount = card.median * rng.uniform(2, 8)
                self.label(self.tx(t, card, round(float(amount), 2), terminal), t, "compromised_terminal")
                n += 1
        return n

    def lost_card_spree(self, t: int) -> int:
        rng, card = self.fraud_rng, self.cards[int(self.fraud_rng.integers(len(self.cards)))]
        county = (card.county + int(rng.integers(1, len(COUNTIES)))) % len(COUNTIES)
        evasive = rng.random() < self.config.evasion
        n = int(rng.integers(2, 4) if evasive else rng.integers(3, 7))
        for _ in range(n):
            terminal = int(self.terminals[county][int(rng.integers(TERMINALS_PER_COUNTY))])
            amount = card.median * (rng.uniform(2, 4) if evasive else rng.uniform(4, 12))
            self.label(self.tx(t, card, round(float(amount), 2), terminal), t, "lost_card_spree")
            t += int(rng.uniform(30, 90) * 60_000) if evasive else int(rng.uniform(5, 25) * 60_000)
        return n

    def _online(self, rng: np.random.Generator) -> int:
        return int(self.online[int(rng.integers(len(self.online)))])


def simulate_cards(config: SimConfig) -> Iterator[SimRecord]:
    """The card world's records in non-decreasing delivery time, like `sim.engine.simulate`.

    Days run midnight to midnight China time, whatever the configured start: hours of the day are local
    (the bank's clock), as `tx.hour` and the export's naive times read them."""
    world = CardWorld(config)
    names, probs = config.scenario_table(CARD_SCENARIO_WEIGHTS)
    odds = config.fraud_odds
    budget = 0.0
    day = local_midnight(config.start_ms)
    while day < config.end_ms:
        budget += world.genuine_day(day) * odds
        first, last = max(day, config.start_ms), min(day + DAY_MS, config.end_ms) - 1
        while budget > 0:
            name = names[int(world.fraud_rng.choice(len(names), p=probs))]
            hour = world.fraud_rng.uniform(0, 24) if name == "lost_card_spree" else world.fraud_rng.uniform(8, 22)
            budget -= getattr(world, name)(min(max(day + int(hour * HOUR_MS), first), last))
        day += DAY_MS
        yield from world.drain_before(day - 2 * HOUR_MS)
    yield from world.drain_before(None)
