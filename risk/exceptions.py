"""Root of the core's typed errors."""


from schemas.exceptions import FraudstreamError


class RiskError(FraudstreamError):
    """Base of every error raised by the pure core."""

    code = "risk_error"
