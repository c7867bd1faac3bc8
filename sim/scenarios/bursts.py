"""Machine-speed abuse: card testing with tiny amounts, scripted velocity bursts."""

from __future__ import annotations

import numpy as np

from sim.amounts import one_amount
from sim.world import World

SMALL_CNY = 10.0


def card_testing(world: World, rng: np.random.Generator, t0: int) -> int:
    """Leaked card details are checked with many tiny online payments, then used once it works."""
    sink = world.sink
    c = world.customer(rng, "active")
    account, device, ip = c.accounts[0], world.new_device(), world.fraud_ip(rng)
    merchants = world.pop.online_merchants
    t, n = t0, 0
    evasive = world.evasive(rng)  # fewer probes, just above the tiny-amount line, minutes apart
    for _ in range(int(rng.integers(4, 8) if evasive else rng.integers(10, 31))):
        if evasive:
            amount = round(float(rng.uniform(SMALL_CNY + 0.01, 3 * SMALL_CNY)), 2)
        else:
            amount = round(float(rng.uniform(0.01, SMALL_CNY)), 2) if rng.random() < 0.8 else 1.0
        tx = sink.tx(t, c, account, "quickpay", "payment", amount, merchants[int(rng.integers(len(merchants)))],
                     device, None, ip)
        sink.label(tx, t, "card_testing")
        t += int(rng.uniform(120, 600) * 1000) if evasive else int(rng.uniform(5, 60) * 1000)
        n += 1
    for _ in range(int(rng.integers(0, 3))):
        t += int(rng.uniform(60, 900) * 1000)
        tx = sink.tx(t, c, account, "quickpay", "payment", one_amount(rng, 2_000, 0.6, 20_000),
                     merchants[int(rng.integers(len(merchants)))], device, None, ip)
        sink.label(tx, t, "card_testing")
        n += 1
    return n


def velocity_burst(world: World, rng: np.random.Generator, t0: int) -> int:
    """Remote-control malware or a script fires many transfers within minutes."""
    sink = world.sink
    c = world.customer(rng, "device")
    account = c.accounts[0]
    device = c.device_id if rng.random() < 0.5 else world.new_device()
    geo, ip = world.home_geo(c, rng), world.fraud_ip(rng)
    payees = [world.mule_payee(rng) for _ in range(int(rng.integers(2, 5)))]
    evasive = world.evasive(rng)  # under five in five minutes and ten an hour
    t, n = t0, int(rng.integers(4, 8) if evasive else rng.integers(8, 21))
    for k in range(n):
        tx = sink.tx(t, c, account, "online", "transfer", one_amount(rng, 2_000, 0.5, 20_000), payees[k % len(payees)],
                     device, geo, ip)
        sink.label(tx, t, "velocity_burst")
        t += int(rng.uniform(80, 400) * 1000) if evasive else int(rng.uniform(5, 40) * 1000)
    return n
