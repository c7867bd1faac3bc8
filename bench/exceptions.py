"""Typed errors of the benchmarks."""

from __future__ import annotations

from schemas.exceptions import FraudstreamError


class BenchError(FraudstreamError):
    """A benchmark could not measure what it set out to (the message names the worker's log folder)."""

    code = "bench_failed"
