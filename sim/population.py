"""Who banks here: branches (province → city → county → outlet), customers, accounts, devices, payees.

Built once per seed. Rural spread is deliberate: homes scatter up to tens of km around the county seat,
many customers are elderly and bank at the counter, and most own exactly one phone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.geo import PROVINCE_CENTRES

YOUNG, ADULT, ELDERLY = 0, 1, 2
OTHER_BANKS = ("102", "103", "104", "105", "301", "302", "308", "309", "403")  # ICBC, ABC, BOC, CCB, ...
_SHOP_NAMES = ("农资店", "超市", "药房", "加油站", "餐馆", "五金店", "手机店", "服装店", "卫生院", "学校食堂")
_ONLINE_NAMES = ("电商平台", "外卖平台", "话费充值", "视频会员", "网约车", "票务平台", "游戏充值", "快递服务")


@dataclass(slots=True)
class County:
    """A county-level branch area: its seat's location, outlets, local shops and its utility payee."""

    code: str
    city: str
    province: str
    lat: float
    lon: float
    outlets: tuple[str, ...]
    merchants: list[dict] = field(default_factory=list)
    utility: dict = field(default_factory=dict)


@dataclass(slots=True)
class Customer:
    """A customer with their (mutable) banking footprint: the simulator updates device and payees."""

    index: int
    customer_id: str
    age: int
    segment: int
    county: County
    branch: dict
    home_lat: float
    home_lon: float
    accounts: list[str]
    device_id: str | None
    payees: list[dict]
    rate_per_day: float
    dormant: bool
    ip_prefix: str


@dataclass
class Population:
    counties: list[County]
    customers: list[Customer]
    online_merchants: list[dict]
    rates: np.ndarray  # tx/day per customer (0 for dormant accounts)
    segments: np.ndarray
    has_device: np.ndarray
    _ids: dict[str, int] = field(default_factory=dict)

    def next_id(self, prefix: str) -> str:
        """Sequential ids shared by genuine and fraud entities, so an id never betrays a label."""
        n = self._ids.get(prefix, 0) + 1
        self._ids[prefix] = n
        return f"{prefix}{n:08d}"

    def external_payee(self, rng: np.random.Generator) -> dict:
        """A payee account at another bank (never seen before)."""
        return {"id": self.next_id("P"), "kind": "account", "bank_code": OTHER_BANKS[rng.integers(len(OTHER_BANKS))]}


def build_population(customers: int, province: str, cities: int, rng: np.random.Generator) -> Population:
    """Branches first, then customers spread over them (bigger counties get more customers)."""
    counties = _counties(province, cities, rng)
    pop = Population(counties, [], [], np.empty(0), np.empty(0), np.empty(0))
    for county in counties:
        county.merchants = [_merchant(pop, rng, _SHOP_NAMES) for _ in range(int(rng.integers(6, 16)))]
        county.utility = {"id": pop.next_id("M"), "kind": "merchant", "name": f"{county.code}供电供水"}
    pop.online_merchants = [_merchant(pop, rng, _ONLINE_NAMES) for _ in range(40)]
    sizes = rng.pareto(2.0, len(counties)) + 1.0
    county_of = rng.choice(len(counties), size=customers, p=sizes / sizes.sum())
    ages = _ages(rng, customers)
    segments = np.where(ages >= 60, ELDERLY, np.where(ages < 30, YOUNG, ADULT))
    has_device = rng.random(customers) < np.select([segments == ELDERLY, segments == ADULT], [0.55, 0.93], 0.99)
    dormant = rng.random(customers) < 0.02
    base = np.select([segments == ELDERLY, segments == ADULT], [0.25, 0.4], 0.5)
    rates = np.where(dormant, 0.0, base * rng.lognormal(0.0, 0.7, customers))
    spread_km = np.where(rng.random(customers) < 0.4, 2.0, 9.0)  # town vs village
    offsets = rng.normal(0.0, 1.0, (customers, 2)) * (spread_km / 111.0)[:, None]
    second_account = rng.random(customers) < 0.3
    for i in range(customers):
        county = counties[county_of[i]]
        accounts = [f"A{i:07d}1"] + ([f"A{i:07d}2"] if second_account[i] else [])
        pop.customers.append(
            Customer(
                index=i, customer_id=f"C{i:07d}", age=int(ages[i]), segment=int(segments[i]), county=county,
                branch={"province": county.province, "city": county.city, "county": county.code,
                        "outlet": county.outlets[rng.integers(len(county.outlets))]},
                home_lat=float(county.lat + offsets[i, 0]), home_lon=float(county.lon + offsets[i, 1]),
                accounts=accounts,
                device_id=pop.next_id("D") if has_device[i] else None, payees=[], rate_per_day=float(rates[i]),
                dormant=bool(dormant[i]), ip_prefix=f"{int(rng.integers(36, 223))}.{int(rng.integers(0, 256))}",
            )
        )
    for customer in pop.customers:
        customer.payees = [_payee(pop, rng, customer) for _ in range(int(rng.integers(2, 7)))]
    pop.rates, pop.segments, pop.has_device = rates, segments, has_device
    return pop


def _counties(province: str, cities: int, rng: np.random.Generator) -> list[County]:
    lat0, lon0 = PROVINCE_CENTRES.get(province, PROVINCE_CENTRES["44"])
    counties = []
    for c in range(1, cities + 1):
        city = f"{province}{c:02d}"
        clat, clon = lat0 + rng.normal(0, 1.0), lon0 + rng.normal(0, 1.3)
        for k in range(1, int(rng.integers(4, 12)) + 1):
            outlets = tuple(f"{n:04d}" for n in sorted(rng.choice(60, int(rng.integers(3, 12)), replace=False) + 1))
            counties.append(County(f"{city}{k:02d}", city, province, float(clat + rng.normal(0, 0.35)),
                                   float(clon + rng.normal(0, 0.35)), outlets))
    return counties


def _ages(rng: np.random.Generator, n: int) -> np.ndarray:
    """Rural age mix: young people leave for cities, many account holders are 60+."""
    group = rng.choice(3, size=n, p=[0.2, 0.5, 0.3])
    return np.select([group == 0, group == 1], [rng.integers(18, 30, n), rng.integers(30, 60, n)],
                     rng.integers(60, 88, n))


def _merchant(pop: Population, rng: np.random.Generator, names: tuple[str, ...]) -> dict:
    return {"id": pop.next_id("M"), "kind": "merchant", "name": names[rng.integers(len(names))]}


def _payee(pop: Population, rng: np.random.Generator, customer: Customer) -> dict:
    """Family and friends: most bank with us too, some at other banks (children working in cities)."""
    if rng.random() < 0.6:
        other = pop.customers[int(rng.integers(len(pop.customers)))]
        return {"id": other.accounts[0], "kind": "account"}
    return pop.external_payee(rng)
