"""A local file registry: `<root>/<name>/<version>/` holds `artifact.json`, `card.json`, `card.md` (and any
extra files such as `baseline.json`, `curves.png`).

Versions are immutable: saving an existing one is refused. Champion and challenger are pointer files
(`<root>/<name>/champion` holding a version), so promoting or rolling back is writing one line, not code.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from modelplatform.card import ModelCard
from modelplatform.exceptions import RegistryError
from risk.model.artifact import SAFE_NAME, ModelArtifact
from risk.model.artifact_io import read_artifact, write_artifact

ARTIFACT_FILE = "artifact.json"
_SAFE = re.compile(SAFE_NAME)


class Role(StrEnum):
    CHAMPION = "champion"
    CHALLENGER = "challenger"


@dataclass(frozen=True)
class Entry:
    name: str
    version: str
    kind: str
    created_at_ms: int
    checksum: str
    path: Path


def _safe(value: str, what: str) -> str:
    if not _SAFE.fullmatch(value) or value in (".", ".."):
        msg = f"{what} {value!r} must match {SAFE_NAME}"
        raise RegistryError(msg)
    return value


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class Registry:
    def __init__(self, root: Path) -> None:
        self.root = root

    def version_dir(self, name: str, version: str) -> Path:
        return self.root / _safe(name, "model name") / _safe(version, "version")

    def save(self, artifact: ModelArtifact, card: ModelCard | None = None) -> Path:
        """Write a new version; refuses to overwrite one that exists."""
        m = artifact.manifest
        target = self.version_dir(m.name, m.version)
        if (target / ARTIFACT_FILE).exists():
            msg = f"{m.name}/{m.version} already exists in {self.root}: versions are immutable"
            raise RegistryError(msg)
        target.mkdir(parents=True, exist_ok=True)
        if card is not None:
            _atomic_write(target / "card.json", card.to_json())
            _atomic_write(target / "card.md", card.to_markdown())
        write_artifact(artifact, target / ARTIFACT_FILE)  # last: its presence marks the version complete
        return target

    def get(self, name: str, version: str) -> ModelArtifact:
        path = self.version_dir(name, version) / ARTIFACT_FILE
        if not path.exists():
            msg = f"no model {name}/{version} in {self.root}"
            raise RegistryError(msg)
        return read_artifact(path)

    def card(self, name: str, version: str) -> ModelCard:
        path = self.version_dir(name, version) / "card.json"
        if not path.exists():
            msg = f"no card for {name}/{version} in {self.root}"
            raise RegistryError(msg)
        return ModelCard.from_json(path.read_text(encoding="utf-8"))

    def list(self, name: str | None = None) -> list[Entry]:
        """Every complete version (verified on read), oldest first."""
        entries = []
        names = [name] if name else sorted(p.name for p in self.root.iterdir() if p.is_dir()) \
            if self.root.exists() else []
        for model in names:
            base = self.root / _safe(model, "model name")
            if not base.is_dir():
                continue
            for vdir in sorted(p for p in base.iterdir() if (p / ARTIFACT_FILE).exists()):
                m = read_artifact(vdir / ARTIFACT_FILE).manifest
                entries.append(Entry(m.name, m.version, str(m.kind), m.created_at_ms, m.checksum, vdir))
        return sorted(entries, key=lambda e: (e.name, e.created_at_ms, e.version))

    def latest(self, name: str) -> Entry:
        entries = self.list(name)
        if not entries:
            msg = f"no versions of {name!r} in {self.root}"
            raise RegistryError(msg)
        return entries[-1]

    def set_pointer(self, name: str, role: Role, version: str) -> None:
        """Point champion/challenger at an existing version."""
        self.get(name, version)  # must exist and verify
        _atomic_write(self.root / _safe(name, "model name") / str(role), version + "\n")

    def pointer(self, name: str, role: Role) -> str | None:
        path = self.root / _safe(name, "model name") / str(role)
        if not path.exists():
            return None
        return _safe(path.read_text(encoding="utf-8").strip(), f"{role} pointer")
