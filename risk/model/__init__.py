"""Model scoring: safe artifacts (no pickle), a fixed feature layout, batch and single-row scoring.

Pure: no Kafka, no Faust; the only filesystem access is in `artifact_io`.
"""

from risk.model.artifact import Manifest, ModelArtifact, ModelKind, TimeWindow
from risk.model.scorer import Scorer
from risk.model.vectorize import UNKNOWN_CODE, FeatureLayout

__all__ = ["UNKNOWN_CODE", "FeatureLayout", "Manifest", "ModelArtifact", "ModelKind", "Scorer", "TimeWindow"]
