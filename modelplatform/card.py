"""The model card: what a model owner signs off before promotion, as JSON (for tools) and Markdown."""

from __future__ import annotations

import json
import math
import platform
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata

from modelplatform.dataset import LabelledSet
from modelplatform.metrics import ScoreMetrics
from modelplatform.records import ms_to_iso
from risk.model.artifact import ModelArtifact

_LIBS = ("fraudstream", "numpy", "lightgbm", "pydantic")


def lib_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for lib in _LIBS:
        try:
            versions[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            versions[lib] = "not installed"
    return versions


def _window(ds: LabelledSet) -> dict[str, object]:
    first = int(ds.event_time_ms.min()) if len(ds) else None
    last = int(ds.event_time_ms.max()) if len(ds) else None
    return {"first_event": ms_to_iso(first) if first is not None else None,
            "last_event": ms_to_iso(last) if last is not None else None,
            "label_cutoff": ms_to_iso(ds.cutoff_ms), "rows": len(ds), "frauds": ds.positives,
            "explicitly_labelled": int(ds.labelled.sum()), "unlabelled_policy": str(ds.unlabelled)}


@dataclass(frozen=True)
class ModelCard:
    name: str
    version: str
    kind: str
    checksum: str
    created_at: str
    train: dict[str, object]
    evaluation: dict[str, object]
    features: list[str]
    categorical_vocab_sizes: dict[str, int]
    metrics: dict[str, dict[str, float | None]]
    libs: dict[str, str] = field(default_factory=lib_versions)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, artifact: ModelArtifact, train: LabelledSet, evaluation: LabelledSet,
              metrics: Mapping[str, ScoreMetrics], notes: Sequence[str] = ()) -> ModelCard:
        m = artifact.manifest
        table = {name: {k: (v if math.isfinite(v) else None) for k, v in sm.as_dict().items()}
                 for name, sm in metrics.items()}
        return cls(name=m.name, version=m.version, kind=str(m.kind), checksum=m.checksum,
                   created_at=ms_to_iso(m.created_at_ms), train=_window(train), evaluation=_window(evaluation),
                   features=list(m.feature_names),
                   categorical_vocab_sizes={k: len(v) for k, v in m.vocabularies.items()}, metrics=table,
                   notes=list(notes))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True, allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> ModelCard:
        return cls(**json.loads(text))

    def to_markdown(self) -> str:
        lines = [f"# Model card: {self.name}/{self.version}", "",
                 f"- kind: `{self.kind}`", f"- checksum: `{self.checksum}`", f"- created: {self.created_at}", ""]
        for title, window in (("Training data", self.train), ("Evaluation data", self.evaluation)):
            lines += [f"## {title}", ""] + [f"- {k}: {v}" for k, v in window.items()] + [""]
        lines += ["## Metrics (evaluation window)", "", _metrics_table(self.metrics), ""]
        lines += [f"## Features ({len(self.features)})", "", ", ".join(f"`{f}`" for f in self.features), ""]
        if self.categorical_vocab_sizes:
            lines += ["Categorical vocabularies: "
                      + ", ".join(f"`{k}` ({n})" for k, n in self.categorical_vocab_sizes.items()), ""]
        lines += ["## Libraries", ""] + [f"- {k} {v}" for k, v in self.libs.items()] + [""]
        if self.notes:
            lines += ["## Notes", ""] + [f"- {n}" for n in self.notes] + [""]
        return "\n".join(lines)


_COLUMNS = (("auc", "AUC"), ("average_precision", "AP"), ("precision_at_k", "P@k/day"),
            ("recall_at_budget", "recall@budget"))


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _metrics_table(metrics: Mapping[str, Mapping[str, float | None]]) -> str:
    if not metrics:
        return "(none)"
    first = next(iter(metrics.values()))
    header = "| score | " + " | ".join(label for _, label in _COLUMNS) + " |"
    rows = [header, "|---" * (len(_COLUMNS) + 1) + "|"]
    rows += [f"| {name} | " + " | ".join(_fmt(m.get(key)) for key, _ in _COLUMNS) + " |"
             for name, m in metrics.items()]
    rows.append(f"\nk = {int(first['k'] or 0)} accounts/day; budget = {first['budget']:.2%} of transactions")
    return "\n".join(rows)
