"""The risk service's Prometheus metrics (one registry per service process), served on its GET /metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from app.metrics import PREFIX

API_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.5)


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.latency = Histogram(f"{PREFIX}_api_decision_latency_seconds",
                                 "POST /v1/decisions, request in to answer out", ("channel", "outcome"),
                                 registry=self.registry, buckets=API_BUCKETS_S)
        self.answers = Counter(f"{PREFIX}_api_decisions", "answers of POST /v1/decisions: decided, fallback, "
                                                          "replayed (a retry answered without publishing)",
                               ("channel", "outcome"), registry=self.registry)
        self.fallbacks = Counter(f"{PREFIX}_api_fallbacks", "deadline passed: the channel's fallback was answered",
                                 ("channel", "action"), registry=self.registry)
        self.rejected = Counter(f"{PREFIX}_api_rejected", "requests refused before publishing, by code",
                                ("code",), registry=self.registry)
        self.pending = Gauge(f"{PREFIX}_api_pending_decisions", "published transactions still awaiting a decision",
                             registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)
