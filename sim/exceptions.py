"""Typed errors of the simulator."""


from schemas.exceptions import FraudstreamError


class SimError(FraudstreamError):
    """Base of every error raised by the simulator."""

    code = "sim_error"


class SimConfigError(SimError, ValueError):
    """A simulation setting is out of range; the message names the setting and the accepted range."""


class SimFileError(SimError):
    """A simulation file could not be read back; the message names the file and line."""
