"""Fraud scenarios: each plays one known pattern through the sink and labels its fraud transactions.

A scenario is `run(world, rng, t0_ms) -> number of fraud transactions`. Its records start at `t0_ms`
(never earlier) and carry the scenario name on their labels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.scenarios import bursts, networks, scams, takeover, travel
from sim.world import World


@dataclass(frozen=True)
class Scenario:
    name: str
    run: Callable[[World, np.random.Generator, int], int]
    weight: float
    doc: str


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("account_takeover", takeover.account_takeover, 0.14, "reset/new device, new place, drain"),
        Scenario("sim_swap", takeover.sim_swap, 0.06, "phone number changed, then transfers"),
        Scenario("telecom_scam", scams.telecom_scam, 0.2, "victim sends a large sum to a new payee"),
        Scenario("mule", networks.mule, 0.1, "fan-in from victims, then fast fan-out"),
        Scenario("device_farm", networks.device_farm, 0.06, "one device, many accounts"),
        Scenario("card_testing", bursts.card_testing, 0.1, "many tiny payments to merchants"),
        Scenario("compromised_payee", scams.compromised_payee, 0.08, "many victims pay one payee"),
        Scenario("velocity_burst", bursts.velocity_burst, 0.1, "many transfers in minutes"),
        Scenario("impossible_travel", travel.impossible_travel, 0.1, "two places too far apart in time"),
        Scenario("dormant_reactivation", takeover.dormant_reactivation, 0.06, "silent account wakes and drains"),
    )
}
DEFAULT_WEIGHTS = {name: s.weight for name, s in SCENARIOS.items()}
