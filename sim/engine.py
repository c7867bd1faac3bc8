"""Runs a simulation: genuine traffic and fraud scenarios chunk by chunk, records out in delivery order."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import structlog

from sim.config import DAY_MS, SimConfig
from sim.genuine import GenuineTraffic
from sim.lookalikes import Lookalikes
from sim.population import build_population
from sim.records import SimRecord
from sim.rhythm import hour_slots, sample_times, slot_weights
from sim.scenarios import DEFAULT_WEIGHTS, SCENARIOS
from sim.sink import Sink
from sim.world import World

log = structlog.get_logger(__name__)

CHUNK_MS = DAY_MS
# Generators may write this far before their chunk (logins before a transaction), never more.
LOOKBACK_MS = 3_600_000


def simulate(config: SimConfig) -> Iterator[SimRecord]:
    """Yield the simulation's records in non-decreasing `deliver_at_ms` (ties: generation order).

    Deterministic for `config.seed`. Separate random streams for the population, genuine traffic, fraud
    and label delays keep one part stable when another changes (e.g. a different fraud rate).
    `config.world == "cards"` runs the card world instead (`sim.cards`).
    """
    if config.world == "cards":
        from sim.cards.world import simulate_cards

        yield from simulate_cards(config)
        return
    # a fifth stream (look-alikes) leaves the first four as they were: SeedSequence children are per index
    pop_rng, genuine_rng, fraud_rng, label_rng, lookalike_rng = (np.random.default_rng(s) for s in
                                                                 np.random.SeedSequence(config.seed).spawn(5))
    pop = build_population(config.customers, config.province, config.cities, pop_rng)
    sink = Sink(config.seed, label_rng, config.missed_fraud_rate)
    genuine = GenuineTraffic(config, pop, sink, genuine_rng)
    world = World(pop, sink, fraud_rng, evasion=config.evasion)
    lookalikes = Lookalikes(config, pop, sink, lookalike_rng)
    names, probs = config.scenario_table(DEFAULT_WEIGHTS)
    odds = config.fraud_odds
    budget = 0.0
    start = config.start_ms
    while start < config.end_ms:
        end = min(start + CHUNK_MS, config.end_ms)
        n_genuine = genuine.generate(start, end) + lookalikes.generate(start, end)
        budget += n_genuine * odds
        budget -= _run_scenarios(world, fraud_rng, start, end, budget, names, probs)
        yield from sink.drain_before(end - LOOKBACK_MS)
        start = end
    yield from sink.drain_before(None)
    log.info("sim.done", seed=config.seed, **sink.counts)


def _run_scenarios(world: World, rng: np.random.Generator, start: int, end: int, budget: float,
                   names: list[str], probs: np.ndarray) -> int:
    """Draw scenarios until this chunk's fraud budget (in transactions) is spent; returns what was made."""
    starts, ends = hour_slots(start, end)
    weights = slot_weights(starts, ends, None)
    made = 0
    while made < budget:
        name = names[int(rng.choice(len(names), p=probs))]
        t0 = int(sample_times(rng, starts, ends, weights, 1)[0])
        made += SCENARIOS[name].run(world, rng, t0)
    return made
