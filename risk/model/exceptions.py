"""Typed errors of the model core."""

from __future__ import annotations

from risk.exceptions import RiskError


class ModelError(RiskError):
    """Base of every model-core error."""


class ArtifactError(ModelError):
    """An artifact document is malformed or inconsistent with its payload."""


class ChecksumMismatchError(ArtifactError):
    """The artifact's content does not hash to the checksum its manifest declares."""


class UnknownModelKindError(ArtifactError):
    """The artifact names a model kind this build cannot score."""


class VectorizeError(ModelError):
    """A feature value has a type the artifact's layout cannot encode."""
