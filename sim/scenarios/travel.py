"""The same card in two places too far apart to travel between: a clone used far away."""

from __future__ import annotations

import numpy as np

from sim.amounts import one_amount
from sim.geo import jitter
from sim.world import World


def impossible_travel(world: World, rng: np.random.Generator, t0: int) -> int:
    """A genuine purchase at home, then minutes later cash and purchases a thousand km away."""
    sink = world.sink
    c = world.customer(rng, "active")
    account = c.accounts[0]
    shop = c.county.merchants[int(rng.integers(len(c.county.merchants)))]
    sink.tx(t0, c, account, "pos", "payment", one_amount(rng, 90, 0.8, 5_000), shop, None, world.home_geo(c, rng))
    place = world.far_place(rng)
    t, n = t0 + int(rng.uniform(10, 90) * 60_000), int(rng.integers(1, 4))
    for _ in range(n):
        geo = jitter(rng, place.lat, place.lon, 2.0)
        if rng.random() < 0.6:
            amount = float(rng.integers(20, 201) * 100)
            tx = sink.tx(t, c, account, "atm", "withdrawal", amount, None, None, geo, None, place.region_code)
        else:
            tx = sink.tx(t, c, account, "pos", "payment", one_amount(rng, 3_000, 0.6, 50_000),
                         {"id": world.pop.next_id("M"), "kind": "merchant"}, None, geo, None, place.region_code)
        sink.label(tx, t, "impossible_travel")
        t += int(rng.uniform(2, 20) * 60_000)
    return n
