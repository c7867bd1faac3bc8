"""The backtest as a JSON document: deterministic (no wall-clock values), NaN written as null."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

from app.backtest.runner import Backtest, Evaluation

REPORT_FORMAT = 1
TRUTH_NOTE = ("a transaction is fraud if any fraud label for it exists anywhere in the input, whenever it was "
              "confirmed; every other transaction counts as genuine. Label-fed features still only see each "
              "label from its delivery onward.")


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _evaluation(run: Evaluation) -> dict[str, Any]:
    return {"ruleset": run.ruleset.label, "version": run.version,
            "overall": dataclasses.asdict(run.overall),
            "scenarios": [dataclasses.asdict(s) for s in run.scenarios],
            "rules": [dataclasses.asdict(s) for s in run.rules]}


def build_report(result: Backtest) -> dict[str, Any]:
    doc: dict[str, Any] = {"format": REPORT_FORMAT, "input": result.source, "truth": TRUTH_NOTE,
                           "model_version": result.model_version, "candidate": _evaluation(result.candidate)}
    comp = result.comparison
    if comp is not None:
        doc["baseline"] = _evaluation(comp.baseline)
        doc["diff"] = {
            "ruleset": dataclasses.asdict(comp.ruleset_diff),
            "hit_deltas": [{**dataclasses.asdict(d), "delta": d.delta} for d in comp.hit_deltas],
            "actions": dataclasses.asdict(comp.actions),
        }
    return _clean(doc)


def write_report(report: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
