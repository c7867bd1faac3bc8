"""What fraud scenarios draw on: victims, fraudster infrastructure (devices, mule payees, IPs), places."""

from __future__ import annotations

import numpy as np

from sim.geo import FAR_PLACES, Place, jitter
from sim.population import ELDERLY, YOUNG, Customer, Population
from sim.sink import Sink


class World:
    """The population plus the fraud ecosystem around it; scenarios act through `sink`."""

    def __init__(self, pop: Population, sink: Sink, rng: np.random.Generator, evasion: float = 0.0) -> None:
        self.pop = pop
        self.sink = sink
        self.evasion = evasion
        active = pop.rates > 0
        self._active = np.flatnonzero(active)
        self._with_device = np.flatnonzero(active & pop.has_device)
        self._elderly = np.flatnonzero(active & (pop.segments == ELDERLY))
        self._young = np.flatnonzero(active & (pop.segments == YOUNG))
        self._dormant = np.flatnonzero(~active)
        # Mule accounts at other banks are reused across cases, as real cash-out networks are.
        self.mule_payees = [pop.external_payee(rng) for _ in range(max(20, len(pop.customers) // 200))]

    def customer(self, rng: np.random.Generator, kind: str = "active") -> Customer:
        """A random customer: 'active', 'device' (has a phone), 'elderly', 'young' or 'dormant'."""
        pool = {"active": self._active, "device": self._with_device, "elderly": self._elderly,
                "young": self._young, "dormant": self._dormant}[kind]
        if len(pool) == 0:
            pool = self._active if len(self._active) else np.arange(len(self.pop.customers))
        return self.pop.customers[int(pool[rng.integers(len(pool))])]

    def customers(self, rng: np.random.Generator, n: int, kind: str = "active") -> list[Customer]:
        """Up to `n` distinct customers."""
        seen: dict[int, Customer] = {}
        for _ in range(n * 3):
            c = self.customer(rng, kind)
            seen.setdefault(c.index, c)
            if len(seen) == n:
                break
        return list(seen.values())

    def mule_payee(self, rng: np.random.Generator) -> dict:
        """A cash-out account at another bank: usually a known mule, sometimes a fresh one."""
        if rng.random() < 0.25:
            self.mule_payees.append(self.pop.external_payee(rng))
            return self.mule_payees[-1]
        return self.mule_payees[int(rng.integers(len(self.mule_payees)))]

    def evasive(self, rng: np.random.Generator) -> bool:
        """Whether this case is run by a fraudster who stays under the usual thresholds."""
        return bool(self.evasion) and rng.random() < self.evasion

    def new_device(self) -> str:
        return self.pop.next_id("D")

    @staticmethod
    def fraud_ip(rng: np.random.Generator) -> str:
        """Proxies, data centres and foreign ranges."""
        a, b, c, d = rng.integers(1, 255, 4).tolist()
        return f"{(45, 103, 154, 185, 202)[a % 5]}.{b}.{c}.{d}"

    @staticmethod
    def home_ip(cust: Customer, rng: np.random.Generator) -> str:
        b, c = rng.integers(1, 255, 2).tolist()
        return f"{cust.ip_prefix}.{b}.{c}"

    @staticmethod
    def home_geo(cust: Customer, rng: np.random.Generator) -> dict[str, float]:
        return jitter(rng, cust.home_lat, cust.home_lon, 1.0)

    @staticmethod
    def far_place(rng: np.random.Generator, abroad: bool | None = None) -> Place:
        places = [p for p in FAR_PLACES if abroad is None or (p.region_code is None) == abroad]
        return places[int(rng.integers(len(places)))]
