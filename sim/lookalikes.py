"""Genuine behaviour that looks like fraud: what makes a bank's false positives.

A customer buys a new phone and, the same hour, a large item online; a salary day sends rent and family
remittances to several payees within the hour (one of them new); a trip ends in a large purchase at a shop
far from home. Every act here is genuine; the occasional one is labelled genuine like other traffic (or
wrongly reported as fraud, at the false-complaint rate). Rates are per customer-day, scaled by
`SimConfig.lookalike_rate`, drawn from their own random stream so the rest of the world stays the same.
"""

from __future__ import annotations

import numpy as np

from sim.amounts import one_amount
from sim.clock import BANK_OFFSET_MS, local_midnight
from sim.config import DAY_MS, SimConfig
from sim.geo import FAR_PLACES, jitter
from sim.labels import FALSE_COMPLAINT, GENUINE
from sim.population import ADULT, Customer, Population
from sim.sink import Sink

NEW_PHONE_PURCHASE_PER_DAY = 1 / 300
TRAVEL_PURCHASE_PER_DAY = 1 / 250
SALARY_BURST_SHARE = 0.04  # of active adults, on each salary day
SALARY_DAYS = (10, 25)  # day of month (bank time)


class Lookalikes:
    def __init__(self, config: SimConfig, pop: Population, sink: Sink, rng: np.random.Generator) -> None:
        self.config, self.pop, self.sink, self.rng = config, pop, sink, rng
        self._active = np.flatnonzero(pop.rates > 0)
        self._phones = np.flatnonzero((pop.rates > 0) & pop.has_device)
        self._adults = np.flatnonzero((pop.rates > 0) & (pop.segments == ADULT))

    def generate(self, start_ms: int, end_ms: int) -> int:
        """Emit this chunk's look-alike acts; returns the transactions made."""
        scale, days = self.config.lookalike_rate, (end_ms - start_ms) / DAY_MS
        if scale <= 0:
            return 0
        made = 0
        for i in self._pick(self._phones, NEW_PHONE_PURCHASE_PER_DAY * scale * days):
            made += self._new_phone_purchase(self.pop.customers[i], self._when(start_ms, end_ms))
        for i in self._pick(self._active, TRAVEL_PURCHASE_PER_DAY * scale * days):
            made += self._travel_purchase(self.pop.customers[i], self._when(start_ms, end_ms))
        day_of_month = int(np.datetime64(start_ms + BANK_OFFSET_MS, "ms").astype(object).day)
        if day_of_month in SALARY_DAYS:
            for i in self._pick(self._adults, SALARY_BURST_SHARE * scale):
                made += self._salary_burst(self.pop.customers[i], self._when(start_ms, end_ms))
        return made

    def _pick(self, pool: np.ndarray, p: float) -> list[int]:
        return pool[self.rng.random(len(pool)) < min(p, 1.0)].tolist()

    def _when(self, start_ms: int, end_ms: int) -> int:
        """Daytime in the bank's zone (08:00-21:00) within the chunk."""
        t = local_midnight(start_ms) + int(self.rng.uniform(8, 21) * 3_600_000)
        return min(max(t, start_ms), end_ms - 3_600_000)

    def _tx(self, t: int, c: Customer, channel: str, tx_type: str, amount: float, counterparty: dict,
            device: str | None, geo: dict, region: str | None = None) -> None:
        ip = f"{c.ip_prefix}.{t % 250 + 1}.{(t >> 9) % 250 + 1}" if device else None
        value = self.sink.tx(t, c, c.accounts[0], channel, tx_type, amount, counterparty, device, geo, ip,
                             region if region is not None else c.county.code)
        u = self.rng.random()
        if u < self.config.genuine_label_rate:
            self.sink.label(value, t, GENUINE)
        elif u < self.config.genuine_label_rate + self.config.false_complaint_rate:
            self.sink.label(value, t, FALSE_COMPLAINT)

    def _home(self, c: Customer) -> dict:
        return jitter(self.rng, c.home_lat, c.home_lon, 1.0)

    def _new_phone_purchase(self, c: Customer, t: int) -> int:
        old, new = c.device_id, self.pop.next_id("D")
        geo = self._home(c)
        self.sink.event(t, c, c.accounts[0], "device_unbound", "mobile", old, geo, None)
        self.sink.event(t + 1_000, c, c.accounts[0], "device_bound", "mobile", new, geo, None)
        c.device_id = new
        shop = self.pop.online_merchants[int(self.rng.integers(len(self.pop.online_merchants)))]
        t += int(self.rng.uniform(5, 60) * 60_000)
        self._tx(t, c, "mobile", "payment", one_amount(self.rng, 4_000, 0.6, 30_000), shop, new, geo)
        return 1

    def _travel_purchase(self, c: Customer, t: int) -> int:
        home_shop = c.county.merchants[int(self.rng.integers(len(c.county.merchants)))]
        self._tx(t, c, "pos", "payment", one_amount(self.rng, 80, 0.6, 2_000), home_shop, None, self._home(c))
        place = [p for p in FAR_PLACES if p.region_code is not None][int(self.rng.integers(5))]
        t += int(self.rng.uniform(3, 6) * 3_600_000)  # a flight or a fast train: fast, not impossible
        shop = {"id": self.pop.next_id("M"), "kind": "merchant"}
        self._tx(t, c, "pos", "payment", one_amount(self.rng, 3_000, 0.6, 30_000), shop, None,
                 jitter(self.rng, place.lat, place.lon, 2.0), place.region_code)
        return 2

    def _salary_burst(self, c: Customer, t: int) -> int:
        payees = list(c.payees[:4])
        if self.rng.random() < 0.5:
            fresh = self.pop.external_payee(self.rng)
            c.payees.append(fresh)
            payees.append(fresh)
        channel = "mobile" if c.device_id else "counter"
        geo = self._home(c)
        for payee in payees:
            t += int(self.rng.uniform(1, 12) * 60_000)
            self._tx(t, c, channel, "transfer", one_amount(self.rng, 1_500, 0.7, 50_000), payee,
                     c.device_id if channel == "mobile" else None, geo)
        return len(payees)
