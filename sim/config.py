"""Simulation settings: one frozen object, validated when built, so a run is reproducible from it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sim.exceptions import SimConfigError
from sim.scenarios import SCENARIOS

DEFAULT_START_MS = 1_735_660_800_000  # 2025-01-01T00:00:00+08:00 (a Wednesday)
DAY_MS = 86_400_000


@dataclass(frozen=True)
class SimConfig:
    """What to simulate.

    `fraud_rate` is the target share of fraudulent transactions; `scenario_weights` picks how often each
    fraud scenario is drawn (None: the defaults in `sim.scenarios.DEFAULT_WEIGHTS`; a mapping with one
    name makes a single-scenario run, handy in tests).
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

    def __post_init__(self) -> None:
        _check("customers", self.customers, 10, 5_000_000)
        _check("days", self.days, 1 / 24, 3_650)
        _check("fraud_rate", self.fraud_rate, 0.0, 0.2)
        _check("genuine_label_rate", self.genuine_label_rate, 0.0, 1.0)
        _check("cities", self.cities, 1, 20)
        if not (self.province.isdigit() and len(self.province) == 2):
            raise SimConfigError(f"province must be a 2-digit GB/T 2260 code such as '44', got {self.province!r}")
        if self.scenario_weights is not None:
            unknown = sorted(set(self.scenario_weights) - set(SCENARIOS))
            if unknown:
                raise SimConfigError(f"unknown scenarios {unknown}; known: {sorted(SCENARIOS)}")
            if not any(w > 0 for w in self.scenario_weights.values()):
                raise SimConfigError("scenario_weights needs at least one positive weight")

    @property
    def end_ms(self) -> int:
        return self.start_ms + int(self.days * DAY_MS)


def _check(name: str, value: float, low: float, high: float) -> None:
    if not (low <= value <= high):
        raise SimConfigError(f"{name} must be in [{low}, {high}], got {value!r}")
