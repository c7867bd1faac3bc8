"""Typed errors of the offline model platform."""

from __future__ import annotations

from schemas.exceptions import FraudstreamError


class PlatformError(FraudstreamError):
    """Base of every model-platform error."""

    code = "model_platform_error"


class DatasetError(PlatformError):
    """Decision or label records are malformed, or a split is impossible."""


class TrainingError(PlatformError):
    """Training cannot proceed (e.g. one class only)."""


class RegistryError(PlatformError):
    """A registry path, version or pointer is missing or invalid."""


class MetricsError(PlatformError):
    """Scores and labels do not line up, or scores hold NaN."""

    code = "metrics_invalid"
