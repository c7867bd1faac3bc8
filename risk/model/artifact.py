"""A model artifact: a manifest plus a text payload, one JSON document, verified when loaded.

No pickle anywhere: a LightGBM model travels as LightGBM's own text format, the logistic baseline as
plain JSON numbers. The checksum is a sha256 over everything that changes a score (kind, feature order,
vocabularies, payload), not over descriptive metadata: a payload put back with a shuffled feature order
would otherwise score garbage silently, while metrics can still be attached after training.
The checksum is integrity, not authenticity: whoever can publish can also recompute it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from risk.model.exceptions import ArtifactError, ChecksumMismatchError, UnknownModelKindError
from risk.model.vectorize import FeatureLayout

FORMAT = "fraudstream.model/1"
SAFE_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


class ModelKind(StrEnum):
    LGBM = "lgbm"
    LOGISTIC = "logistic"


class TimeWindow(BaseModel):
    """Half-open event-time window [start_ms, end_ms) in epoch milliseconds."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    start_ms: int
    end_ms: int


class Manifest(BaseModel):
    """What a model is, what it reads, and when its training data and labels were taken."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(pattern=SAFE_NAME)
    version: str = Field(pattern=SAFE_NAME)
    kind: ModelKind
    feature_names: tuple[str, ...] = Field(min_length=1)
    vocabularies: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    train_window: TimeWindow
    label_cutoff_ms: int
    created_at_ms: int
    metrics: dict[str, float | None] = Field(default_factory=dict)  # None = undefined (one-class AUC)
    checksum: str = Field(pattern=r"^sha256:[0-9a-f]{64}$")

    def layout(self) -> FeatureLayout:
        return FeatureLayout(self.feature_names, self.vocabularies)


def content_checksum(kind: str, feature_names: tuple[str, ...], vocabularies: Mapping[str, tuple[str, ...]],
                     payload: str) -> str:
    """sha256 of the canonical JSON of the score-relevant content."""
    canonical = json.dumps(
        {"kind": str(kind), "feature_names": list(feature_names),
         "vocabularies": {k: list(v) for k, v in vocabularies.items()}, "payload": payload},
        sort_keys=True, separators=(",", ":"), ensure_ascii=True,
    )
    return "sha256:" + hashlib.sha256(canonical.encode("ascii")).hexdigest()


class ModelArtifact:
    """Manifest + payload; construction verifies the checksum, so a held instance is always consistent."""

    __slots__ = ("manifest", "payload")

    def __init__(self, manifest: Manifest, payload: str) -> None:
        expected = content_checksum(manifest.kind, manifest.feature_names, manifest.vocabularies, payload)
        if expected != manifest.checksum:
            msg = (f"artifact {manifest.name}/{manifest.version}: checksum mismatch "
                   f"(manifest says {manifest.checksum}, content hashes to {expected})")
            raise ChecksumMismatchError(msg)
        manifest.layout()  # refuse an inconsistent layout now, not at the first score
        self.manifest = manifest
        self.payload = payload

    @classmethod
    def build(cls, *, name: str, version: str, kind: ModelKind | str, feature_names: tuple[str, ...],
              vocabularies: Mapping[str, tuple[str, ...]], payload: str, train_window: TimeWindow,
              label_cutoff_ms: int, created_at_ms: int, metrics: Mapping[str, float | None] | None = None,
              ) -> ModelArtifact:
        """Compute the checksum and assemble a new artifact (what training calls)."""
        kind = _kind(kind)
        vocabs = {k: tuple(v) for k, v in vocabularies.items()}
        manifest = _manifest(dict(
            name=name, version=version, kind=kind, feature_names=tuple(feature_names), vocabularies=vocabs,
            train_window=train_window, label_cutoff_ms=label_cutoff_ms, created_at_ms=created_at_ms,
            metrics=_clean_metrics(metrics or {}),
            checksum=content_checksum(kind, tuple(feature_names), vocabs, payload)))
        return cls(manifest, payload)

    def with_metrics(self, metrics: Mapping[str, float | None]) -> ModelArtifact:
        """A copy with metrics merged in (metrics are outside the checksum)."""
        merged = {**self.manifest.metrics, **_clean_metrics(metrics)}
        return ModelArtifact(self.manifest.model_copy(update={"metrics": merged}), self.payload)

    @property
    def key(self) -> str:
        return f"{self.manifest.name}/{self.manifest.version}"

    def to_json(self) -> str:
        """One JSON document (payload inline as a string), fit for a compacted Kafka control topic."""
        doc = {"format": FORMAT, "manifest": self.manifest.model_dump(mode="json"), "payload": self.payload}
        return json.dumps(doc, sort_keys=True, separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> ModelArtifact:
        """Parse and verify: refuses another format, an unknown kind, a bad manifest or a bad checksum."""
        try:
            doc = json.loads(text)
        except (ValueError, UnicodeDecodeError) as ex:
            msg = f"artifact is not valid JSON: {ex}"
            raise ArtifactError(msg) from ex
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            got = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
            msg = f"artifact format {got!r} is not {FORMAT!r}"
            raise ArtifactError(msg)
        raw, payload = doc.get("manifest"), doc.get("payload")
        if not isinstance(raw, dict) or not isinstance(payload, str):
            msg = "artifact needs an object 'manifest' and a string 'payload'"
            raise ArtifactError(msg)
        _kind(raw.get("kind"))
        return cls(_manifest(raw), payload)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ModelArtifact) and (self.manifest, self.payload) == (other.manifest,
                                                                                       other.payload)

    def __hash__(self) -> int:
        return hash(self.manifest.checksum)

    def __repr__(self) -> str:
        return f"ModelArtifact({self.key}, kind={self.manifest.kind}, {self.manifest.checksum[:15]}…)"


def _kind(value: Any) -> ModelKind:
    try:
        return ModelKind(value)
    except ValueError as ex:
        msg = f"unknown model kind {value!r}; this build scores {[k.value for k in ModelKind]}"
        raise UnknownModelKindError(msg) from ex


def _manifest(raw: dict[str, Any]) -> Manifest:
    try:
        return Manifest.model_validate(raw)
    except ValidationError as ex:
        msg = f"invalid artifact manifest: {ex.errors(include_url=False)}"
        raise ArtifactError(msg) from ex


def _clean_metrics(metrics: Mapping[str, float | None]) -> dict[str, float | None]:
    """NaN/inf become None: the document must stay strict JSON for consumers in any language."""
    return {k: (float(v) if v is not None and math.isfinite(v) else None) for k, v in metrics.items()}
