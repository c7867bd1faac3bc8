"""Which strategy sources the active control pointers name: one answer for a starting worker and the running plane."""

from __future__ import annotations

import dataclasses
from typing import Any

from app.control.exceptions import ARTIFACT_MISSING, ControlError
from app.control.records import ControlState
from modelplatform.deploy import NO_MODEL
from risk.strategy import StrategySources

_SOURCE_FIELD = {"ruleset": "ruleset", "policy": "policy", "responses": "responses",
                 "model-champion": "champion", "model-challenger": "challenger"}


def active_sources(state: ControlState, base: StrategySources) -> StrategySources:
    """`base` with every kind that has an active pointer replaced by the artifact it names (a kind without one
    keeps `base`'s text). Raises ControlError when a pointer names an artifact the topic does not hold."""
    updates: dict[str, Any] = {}  # StrategySources field -> new text (None: no model)
    for kind, version in state.active_versions().items():
        if kind.startswith("model-") and version == NO_MODEL:
            updates[_SOURCE_FIELD[kind]] = None
            continue
        artifact = state.artifacts.get(f"artifact:{kind}:{version}")
        if artifact is None:
            raise ControlError(f"{kind} {version} is active but its artifact is missing from the control topic",
                               ARTIFACT_MISSING)
        updates[_SOURCE_FIELD[kind]] = artifact.body
        if kind == "ruleset":
            updates["ruleset_source"] = f"control:{kind}:{version}"
    return dataclasses.replace(base, **updates)
