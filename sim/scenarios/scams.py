"""The customer is fooled into paying: telecom scams, and a payee that many victims pay."""

from __future__ import annotations

import numpy as np

from sim.amounts import one_amount
from sim.world import World


def telecom_scam(world: World, rng: np.random.Generator, t0: int) -> int:
    """'Police'/'customer service' callers talk a victim (often elderly) into a large transfer elsewhere.

    Everything else looks genuine: own phone (or the counter), home, daytime. Only the payee is new,
    at another bank, and the amount is far above the customer's habit.
    """
    sink = world.sink
    c = world.customer(rng, "elderly" if rng.random() < 0.7 else "active")
    account, payee = c.accounts[0], world.mule_payee(rng)
    digital = c.device_id is not None and rng.random() < 0.8
    channel, device = ("mobile", c.device_id) if digital else ("counter", None)
    geo = world.home_geo(c, rng) if digital else {"lat": round(c.county.lat, 5), "lon": round(c.county.lon, 5)}
    ip = world.home_ip(c, rng) if digital else None
    t = t0
    if digital:
        sink.event(t, c, account, "login_success", channel, device, geo, ip)
        t += int(rng.uniform(60, 600) * 1000)
        sink.event(t, c, account, "payee_added", channel, device, geo, ip, payee_id=payee["id"])
    n = int(rng.integers(1, 4))
    median = 6_000 if world.evasive(rng) else 50_000  # evasive: several modest sums, not one fortune
    for _ in range(n):
        t += int(rng.uniform(120, 5400) * 1000)
        tx = sink.tx(t, c, account, channel, "transfer", one_amount(rng, median, 0.7, 1_000_000), payee, device,
                     geo, ip)
        sink.label(tx, t, "telecom_scam")
    return n


def compromised_payee(world: World, rng: np.random.Generator, t0: int) -> int:
    """A fake shop or a hijacked payee collects ordinary-looking payments from many victims for hours."""
    sink = world.sink
    if rng.random() < 0.6:
        payee = {"id": world.pop.next_id("M"), "kind": "merchant", "name": "网店"}
    else:
        payee = world.mule_payee(rng)
    victims = world.customers(rng, int(rng.integers(10, 31)), "device")
    spread_ms = int(rng.uniform(2, 12) * 3_600_000)
    for c in victims:
        t = t0 + int(rng.random() * spread_ms)
        tx_type = "payment" if payee["kind"] == "merchant" else "transfer"
        channel = "quickpay" if tx_type == "payment" and rng.random() < 0.6 else "mobile"
        tx = sink.tx(t, c, c.accounts[0], channel, tx_type, one_amount(rng, 300, 0.8, 20_000), payee, c.device_id,
                     world.home_geo(c, rng), world.home_ip(c, rng))
        sink.label(tx, t, "compromised_payee")
    return len(victims)
