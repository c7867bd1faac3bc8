"""Simulation settings: one frozen object, validated when built, so a run is reproducible from it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.cards.names import CARD_SCENARIO_WEIGHTS
from sim.exceptions import SimConfigError
from sim.scenarios import SCENARIOS

WORLDS = ("bank", "cards")  # e-banking (sim.engine) or card payments at terminals (sim.cards)

DEFAULT_START_MS = 1_735_660_800_000  # 2025-01-01T00:00:00+08:00 (a Wednesday)
DAY_MS = 86_400_000


@dataclass(frozen=True)
class SimConfig:
    """What to simulate.

    `world` picks the shape: "bank" (e-banking, `sim.engine`) or "cards" (card payments at merchant
    terminals, `sim.cards`); `customers` is then the number of cards.
    `fraud_rate` is the target share of fraudulent transactions; `scenario_weights` picks how often each
    fraud scenario is drawn (None: the defaults in `sim.scenarios.DEFAULT_WEIGHTS`; a mapping with one
    name makes a single-scenario run, handy in tests).

    Realism (all on by default; set them to 0 for the clean world of earlier releases):
    `missed_fraud_rate` is the share of fraud never reported (it stays unlabelled, so reads as genuine);
    `false_complaint_rate` the share of genuine transactions a customer wrongly reports as fraud;
    `lookalike_rate` scales genuine behaviour that looks like fraud (a new phone then a large purchase,
    salary-day bursts to several payees, a trip with a large purchase far from home); `evasion` is the
    share of fraud cases run by fraudsters who stay under the usual thresholds (fewer, slower, smaller).
    """

    seed: int = 7
    customers: int = 2_000
    days: float = 7.0
    start_ms: int = DEFAULT_START_MS
    fraud_rate: float = 0.01
    genuine_label_rate: float = 0.02
    scenario_weights: Mapping[str, float] | None = None
    province: str = "44"
    cities: int = 6
    missed_fraud_rate: float = 0.1
    false_complaint_rate: float = 0.0005
    lookalike_rate: float = 1.0
    evasion: float = 0.3
    world: str = "bank"

    def __post_init__(self) -> None:
        _check("customers", self.customers, 10, 5_000_000)
        _check("days", self.days, 1 / 24, 3_650)
        _check("fraud_rate", self.fraud_rate, 0.0, 0.2)
        _check("genuine_label_rate", self.genuine_label_rate, 0.0, 1.0)
        _check("cities", self.cities, 1, 20)
        _check("missed_fraud_rate", self.missed_fraud_rate, 0.0, 0.9)
        _check("false_complaint_rate", self.false_complaint_rate, 0.0, 0.1)
        _check("lookalike_rate", self.lookalike_rate, 0.0, 10.0)
        _check("evasion", self.evasion, 0.0, 1.0)
        if not (self.province.isdigit() and len(self.province) == 2):
            raise SimConfigError(f"province must be a 2-digit GB/T 2260 code such as '44', got {self.province!r}")
        if self.world not in WORLDS:
            raise SimConfigError(f"world must be one of {list(WORLDS)}, got {self.world!r}")
        if self.scenario_weights is not None:
            known = CARD_SCENARIO_WEIGHTS if self.world == "cards" else SCENARIOS
            unknown = sorted(set(self.scenario_weights) - set(known))
            if unknown:
                raise SimConfigError(f"unknown scenarios {unknown} for the {self.world} world; known: {sorted(known)}")
            if not any(w > 0 for w in self.scenario_weights.values()):
                raise SimConfigError("scenario_weights needs at least one positive weight")

    def scenario_table(self, defaults: Mapping[str, float]) -> tuple[list[str], np.ndarray]:
        """The scenarios to draw from (positive weight) and their probabilities; `defaults` when unset."""
        weights = dict(self.scenario_weights or defaults)
        names = [name for name, w in weights.items() if w > 0]
        probs = np.array([weights[name] for name in names], dtype=float)
        return names, probs / probs.sum()

    @property
    def fraud_odds(self) -> float:
        """Fraud transactions to make per genuine one."""
        return self.fraud_rate / (1.0 - self.fraud_rate)

    @property
    def end_ms(self) -> int:
        return self.start_ms + int(self.days * DAY_MS)


def _check(name: str, value: float, low: float, high: float) -> None:
    if not (low <= value <= high):
        raise SimConfigError(f"{name} must be in [{low}, {high}], got {value!r}")
