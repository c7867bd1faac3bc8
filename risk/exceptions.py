"""Root of the core's typed errors."""


from schemas.exceptions import FraudstreamError


class RiskError(FraudstreamError):
    """Base of every error raised by the pure core."""

    code = "risk_error"


class BatchMismatchError(RiskError, ValueError):
    """A batch was given a different number of feature rows than transactions (a caller's bug)."""

    code = "batch_mismatch"
