"""When and how a verdict becomes known, per scenario.

A takeover victim calls the bank within hours; a scam victim may take days to realise; a chargeback from
the card scheme takes weeks. Features must never see a label before `confirmed_at`, so the simulator
delivers each label at that time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

HOUR_MS = 3_600_000
DAY_MS = 86_400_000


@dataclass(frozen=True)
class LabelPolicy:
    """Who confirms the verdict and the delay bounds (ms) after the transaction's event time."""

    source: str
    min_delay_ms: int
    max_delay_ms: int

    def delay_ms(self, rng: np.random.Generator) -> int:
        """Log-uniform within the bounds: most verdicts come early, a long tail comes late."""
        low, high = math.log(self.min_delay_ms), math.log(self.max_delay_ms)
        return min(self.max_delay_ms, max(self.min_delay_ms, int(math.exp(low + (high - low) * rng.random()))))


GENUINE = "genuine"
FALSE_COMPLAINT = "false_complaint"  # a genuine transaction reported as fraud: the label says fraud
LABEL_POLICIES: dict[str, LabelPolicy] = {
    "account_takeover": LabelPolicy("complaint", 1 * HOUR_MS, 3 * DAY_MS),
    "sim_swap": LabelPolicy("complaint", 2 * HOUR_MS, 3 * DAY_MS),
    "telecom_scam": LabelPolicy("complaint", 6 * HOUR_MS, 14 * DAY_MS),
    "mule": LabelPolicy("analyst", 1 * DAY_MS, 21 * DAY_MS),
    "device_farm": LabelPolicy("analyst", 12 * HOUR_MS, 10 * DAY_MS),
    "card_testing": LabelPolicy("chargeback", 2 * DAY_MS, 30 * DAY_MS),
    "compromised_payee": LabelPolicy("chargeback", 3 * DAY_MS, 30 * DAY_MS),
    "velocity_burst": LabelPolicy("analyst", 1 * HOUR_MS, 5 * DAY_MS),
    "impossible_travel": LabelPolicy("complaint", 2 * HOUR_MS, 7 * DAY_MS),
    "dormant_reactivation": LabelPolicy("analyst", 1 * DAY_MS, 14 * DAY_MS),
    GENUINE: LabelPolicy("analyst", 1 * DAY_MS, 14 * DAY_MS),
    FALSE_COMPLAINT: LabelPolicy("complaint", 6 * HOUR_MS, 14 * DAY_MS),
}
