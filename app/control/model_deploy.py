"""Model artifacts on the control topic: which role, and what is live.

Publishing verifies the artifact here first (checksum, known kind, loadable scorer): a worker would refuse
a broken one anyway, but only in its log. Keys map to control versions in `modelplatform.deploy`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.control.records import ControlRecord, Kind
from modelplatform.deploy import NO_MODEL
from modelplatform.exceptions import RegistryError
from risk.model.artifact import ModelArtifact
from risk.model.scorer import Scorer


class DeployRole(StrEnum):
    CHAMPION = "champion"
    CHALLENGER = "challenger"

    @property
    def kind(self) -> Kind:
        return "model-champion" if self is DeployRole.CHAMPION else "model-challenger"


def checked_artifact(text: str, source: str = "<artifact>") -> ModelArtifact:
    """Parse and verify an artifact and build its scorer; raise RegistryError with the reason otherwise."""
    try:
        artifact = ModelArtifact.from_json(text)
        Scorer.from_artifact(artifact)
    except Exception as err:  # every failure means "do not publish"; the message says which
        msg = f"{source}: not a publishable model artifact: {type(err).__name__}: {err}"
        raise RegistryError(msg) from err
    return artifact


@dataclass(frozen=True)
class Published:
    version: str
    author: str
    published_at_ms: int
    note: str
    active: bool


def published_models(artifacts: list[ControlRecord], pointers: dict[str, ControlRecord],
                     role: DeployRole) -> list[Published]:
    """Artifacts published for `role`, oldest first, with the active one marked."""
    pointer = pointers.get(role.kind)
    active = pointer.version if pointer else None
    return [Published(a.version, a.author, a.published_at_ms, a.note, a.version == active)
            for a in artifacts if a.kind == role.kind]


def active_version(pointers: dict[str, ControlRecord], role: DeployRole) -> str | None:
    pointer = pointers.get(role.kind)
    return pointer.version if pointer else None


def previous_version(published: list[Published], active: str | None) -> str:
    """The version published before the active one; `none` when the active one is the first (or none)."""
    distinct = list(dict.fromkeys(p.version for p in published))
    if active not in distinct or distinct.index(active) == 0:
        return NO_MODEL
    return distinct[distinct.index(active) - 1]
