"""Organised infrastructure: mule accounts that launder, device farms that run many accounts."""

from __future__ import annotations

import numpy as np

from sim.amounts import one_amount
from sim.geo import jitter
from sim.world import World


def mule(world: World, rng: np.random.Generator, t0: int) -> int:
    """Victims' money lands in one of our accounts (fan-in) and leaves within the hour (fan-out)."""
    sink = world.sink
    m = world.customer(rng, "young")
    mule_account = m.accounts[0]
    inbound = {"id": mule_account, "kind": "account"}
    victims = [v for v in world.customers(rng, int(rng.integers(4, 9)), "device") if v.index != m.index]
    t_last, total, n = t0, 0.0, 0
    spread_h = 20 if world.evasive(rng) else 4  # evasive: the victims' money trickles in over a day
    for v in victims:
        t = t0 + int(rng.random() * spread_h * 3_600_000)
        amount = one_amount(rng, 8_000, 0.6, 100_000)
        tx = sink.tx(t, v, v.accounts[0], "mobile", "transfer", amount, inbound, v.device_id, world.home_geo(v, rng),
                     world.home_ip(v, rng))
        sink.label(tx, t, "mule")
        t_last, total, n = max(t_last, t), total + amount, n + 1
    device = m.device_id or world.new_device()
    geo, ip = world.home_geo(m, rng), world.home_ip(m, rng)
    left = total * rng.uniform(0.9, 0.98)
    t = t_last + int(rng.uniform(5, 60) * 60_000)
    while left > 1.0:
        if rng.random() < 0.2:
            amount = min(left, 20_000.0) // 100 * 100
            if amount < 100:
                break
            tx = sink.tx(t, m, mule_account, "atm", "withdrawal", amount, None, None, geo, None)
        else:
            amount = round(min(left, one_amount(rng, 10_000, 0.5, 50_000)), 2)
            tx = sink.tx(t, m, mule_account, "mobile", "transfer", amount, world.mule_payee(rng), device, geo, ip)
        sink.label(tx, t, "mule")
        left -= amount
        n += 1
        t += int(rng.uniform(1, 10) * 60_000)
    return n


def device_farm(world: World, rng: np.random.Generator, t0: int) -> int:
    """One phone in a fraud workshop logs into many bought or stolen accounts within the hour."""
    sink = world.sink
    device, ip = world.new_device(), world.fraud_ip(rng)
    county = world.pop.counties[int(rng.integers(len(world.pop.counties)))]
    accounts = world.customers(rng, int(rng.integers(6, 16)), "active")
    payees = [world.mule_payee(rng) for _ in range(2)]
    n = 0
    for c in accounts:
        t = t0 + int(rng.random() * 40 * 60_000)
        geo = jitter(rng, county.lat, county.lon, 0.05)
        account = c.accounts[0]
        sink.event(t, c, account, "device_bound", "mobile", device, geo, ip)
        sink.event(t + 20_000, c, account, "login_success", "mobile", device, geo, ip)
        for k in range(int(rng.integers(1, 3))):
            t_tx = t + 60_000 + k * int(rng.uniform(30, 180) * 1000)
            tx = sink.tx(t_tx, c, account, "mobile", "transfer", one_amount(rng, 3_000, 0.7, 50_000),
                         payees[k % 2], device, geo, ip, county.code)
            sink.label(tx, t_tx, "device_farm")
            n += 1
    return n
