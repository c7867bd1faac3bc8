"""Daily and weekly rhythms: how busy each local hour is, per customer segment.

Weights are relative activity per hour (a weekday averages 1.0 per hour), so a customer with rate r
makes about r transactions on a weekday and a little fewer on weekends. Nights are quiet; noon and
evening peak; elderly customers are early risers, young ones stay up.
"""

from __future__ import annotations

import numpy as np

from sim.clock import HOUR_MS, is_weekend, local_hour
from sim.population import ADULT, ELDERLY, YOUNG

_WEEKDAY = np.array([0.10, 0.05, 0.03, 0.03, 0.05, 0.20, 0.60, 1.00, 1.30, 1.50, 1.60, 1.70,
                     1.90, 1.60, 1.30, 1.30, 1.40, 1.50, 1.80, 2.00, 1.80, 1.30, 0.70, 0.30])
_WEEKEND = np.array([0.15, 0.08, 0.04, 0.03, 0.04, 0.10, 0.30, 0.60, 1.00, 1.40, 1.60, 1.70,
                     1.80, 1.60, 1.40, 1.40, 1.40, 1.40, 1.60, 1.80, 1.70, 1.30, 0.80, 0.40])
_SEGMENT_TILT = {
    YOUNG: np.array([2.0, 2.0, 1.5, 1] + [1] * 4 + [0.8] * 10 + [1.1, 1.3, 1.4, 1.5, 1.6, 1.8]),
    ADULT: np.ones(24),
    ELDERLY: np.array([0.3] * 5 + [1.6, 1.6, 1.5, 1.4, 1.3, 1.2, 1.1, 1.0] + [0.9] * 5
                      + [0.8, 0.7, 0.5, 0.4, 0.3, 0.3]),
}
WEEKEND_VOLUME = 0.85
# Fraudsters keep other hours: a flatter day with a heavier night (victims asleep, nobody watching).
FRAUD = np.array([0.7, 0.8, 0.8, 0.7, 0.6, 0.5, 0.6, 0.8, 1.0, 1.1, 1.2, 1.2,
                  1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.1, 1.0, 0.9, 0.8])


def _normalised(profile: np.ndarray) -> np.ndarray:
    return profile * (24.0 / profile.sum())


PROFILES = {seg: _normalised(_WEEKDAY * tilt) for seg, tilt in _SEGMENT_TILT.items()}
WEEKEND_PROFILES = {seg: _normalised(_WEEKEND * tilt) * WEEKEND_VOLUME for seg, tilt in _SEGMENT_TILT.items()}
FRAUD_PROFILE = _normalised(FRAUD)


def hour_slots(start_ms: int, end_ms: int) -> tuple[np.ndarray, np.ndarray]:
    """Slots `[starts[i], ends[i])` cut at local hour boundaries, covering `[start_ms, end_ms)`."""
    first = start_ms - (start_ms % HOUR_MS)
    starts = np.arange(first, end_ms, HOUR_MS, dtype=np.int64)
    ends = np.minimum(starts + HOUR_MS, end_ms)
    starts[0] = start_ms
    return starts, ends


def slot_weights(starts: np.ndarray, ends: np.ndarray, segment: int | None) -> np.ndarray:
    """Expected activity of each slot for a rate-1/day customer (`segment=None`: the fraud profile)."""
    out = np.empty(len(starts))
    for i, (s, e) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        if segment is None:
            profile = FRAUD_PROFILE
        else:
            profile = WEEKEND_PROFILES[segment] if is_weekend(s) else PROFILES[segment]
        out[i] = profile[local_hour(s)] / 24.0 * (e - s) / HOUR_MS
    return out


def sample_times(rng: np.random.Generator, starts: np.ndarray, ends: np.ndarray, weights: np.ndarray,
                 n: int) -> np.ndarray:
    """`n` event times (ms) drawn in proportion to the slot weights, uniform within a slot."""
    if n == 0:
        return np.empty(0, dtype=np.int64)
    cum = np.cumsum(weights)
    slot = np.minimum(np.searchsorted(cum, rng.random(n) * cum[-1], side="right"), len(cum) - 1)
    width = ends[slot] - starts[slot]
    return starts[slot] + (rng.random(n) * width).astype(np.int64)
