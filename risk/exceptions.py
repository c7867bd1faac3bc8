"""Root of the core's typed errors."""


class RiskError(Exception):
    """Base of every error raised by the pure core."""
