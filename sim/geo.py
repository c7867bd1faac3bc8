"""Places: the province's cities and counties, far cities for travel and fraud, noisy phone positions.

For distances use the core's `risk.features.common.haversine_km`, the one the impossible-travel feature uses, so
a check on simulated travel measures it exactly as the pipeline does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Province centres (lat, lon) for the GB/T 2260 province codes we may simulate; others fall back to 44.
PROVINCE_CENTRES: dict[str, tuple[float, float]] = {
    "44": (23.4, 113.4), "45": (23.0, 108.5), "43": (27.6, 111.9), "36": (27.6, 115.7), "35": (26.1, 118.2),
    "41": (34.0, 113.7), "42": (30.8, 112.4), "51": (30.4, 103.9), "37": (36.3, 117.9), "53": (24.9, 101.6),
}


@dataclass(frozen=True, slots=True)
class Place:
    """A named spot with a GB/T 2260 region code (None abroad)."""

    name: str
    lat: float
    lon: float
    region_code: str | None


# Far destinations: domestic cities (travel, cloned-card use) and cross-border scam hubs.
FAR_PLACES: tuple[Place, ...] = (
    Place("Beijing", 39.91, 116.40, "110105"),
    Place("Shanghai", 31.23, 121.47, "310104"),
    Place("Urumqi", 43.83, 87.62, "650102"),
    Place("Harbin", 45.80, 126.53, "230102"),
    Place("Chengdu", 30.66, 104.07, "510104"),
    Place("Kunming", 25.04, 102.71, "530102"),
    Place("Xiamen", 24.48, 118.09, "350203"),
    Place("Bangkok", 13.75, 100.50, None),
    Place("Phnom Penh", 11.56, 104.92, None),
    Place("Manila", 14.60, 120.98, None),
)


def geo(lat: float, lon: float) -> dict[str, float]:
    """A JSON-ready Geo value, clamped to valid ranges and rounded to ~1 m."""
    return {"lat": round(float(max(-90.0, min(90.0, lat))), 5), "lon": round(float(max(-180.0, min(180.0, lon))), 5)}


def jitter(rng: np.random.Generator, lat: float, lon: float, km: float) -> dict[str, float]:
    """A point about `km` from (lat, lon): phones report a little noise around where the customer is."""
    d_lat, d_lon = rng.normal(0.0, km / 111.0, 2).tolist()
    return geo(lat + d_lat, lon + d_lon / max(0.2, math.cos(math.radians(lat))))
