"""The model core's only filesystem access: read and write one artifact document."""

from __future__ import annotations

import os
from pathlib import Path

from risk.model.artifact import ModelArtifact


def write_artifact(artifact: ModelArtifact, path: Path) -> Path:
    """Write atomically (temp file + rename) so a reader never sees half a model."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(artifact.to_json(), encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_artifact(path: Path) -> ModelArtifact:
    """Read and verify (checksum, kind, manifest) an artifact document."""
    return ModelArtifact.from_json(path.read_text(encoding="utf-8"))
