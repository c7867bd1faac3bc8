"""Map a foreign file's columns onto our message schema's (dotted) field paths.

Historical exports rarely match our contracts. A small YAML/JSON file says where each column goes:

    key: account_id            # dotted path in the mapped value that becomes the message key
    timestamp: event_time      # dotted path holding the event time (ISO 8601 with offset, or epoch ms)
    fields:
      txn_id: transaction_id
      acct_no: account_id
      amt: amount
      lat: {to: geo.lat, type: float}
      ts_ms: {to: event_time, type: epoch_ms}
    defaults:
      currency: CNY

Pure: no I/O besides `load_mapping` reading the file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import yaml

from app.exceptions import MappingError
from sim.clock import iso, to_ms


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "t"):
        return True
    if text in ("0", "false", "no", "n", "f"):
        return False
    raise ValueError(f"not a boolean: {value!r}")


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "str": str, "int": lambda v: int(float(v)) if isinstance(v, str) and "." in v else int(v), "float": float,
    "bool": _bool, "epoch_ms": lambda v: iso(int(float(v))), "epoch_s": lambda v: iso(int(float(v) * 1000)),
}


@dataclass(frozen=True)
class FieldRule:
    target: str
    type: str | None = None


@dataclass(frozen=True)
class FieldMapping:
    """Source column → target rule; unmapped columns are dropped unless `keep_unmapped`."""

    fields: Mapping[str, FieldRule] = field(default_factory=dict)
    key: str = "account_id"
    timestamp: str = "event_time"
    defaults: Mapping[str, Any] = field(default_factory=dict)
    keep_unmapped: bool = False

    def apply(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """A nested message value built from one flat row; empty cells count as missing."""
        out: dict[str, Any] = {}
        for path, value in self.defaults.items():
            set_path(out, path, value)
        for column, value in row.items():
            rule = self.fields.get(column)
            if rule is None:
                if self.keep_unmapped and value not in (None, ""):
                    set_path(out, column, value)
                continue
            if value is None or value == "":
                continue
            if rule.type is not None:
                try:
                    value = CONVERTERS[rule.type](value)
                except (TypeError, ValueError) as err:
                    msg = f"column {column!r} → {rule.target!r}: cannot convert {value!r} to {rule.type} ({err})"
                    raise MappingError(msg) from err
            set_path(out, rule.target, value)
        return out


IDENTITY = FieldMapping(keep_unmapped=True)


def set_path(target: dict[str, Any], dotted: str, value: Any) -> None:
    """`set_path(d, "geo.lat", 1.0)` → `d["geo"]["lat"] = 1.0`, creating the levels in between."""
    *parents, leaf = dotted.split(".")
    node = target
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise MappingError(f"field path {dotted!r} runs through {part!r}, which already holds {child!r}")
        node = child
    node[leaf] = value


def get_path(source: Mapping[str, Any], dotted: str) -> Any:
    """The value at a dotted path, or None when any level is missing."""
    node: Any = source
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def timestamp_ms(value: Mapping[str, Any], dotted: str) -> int:
    """Event time of a mapped value in epoch ms: ISO 8601 with an offset, or an integer of epoch ms."""
    raw = get_path(value, dotted)
    if raw is None:
        raise MappingError(f"no event time at {dotted!r}; map a column to it or pass the right --time-field")
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return int(raw)
    text = str(raw).strip()
    if text.isdigit():
        return int(text)
    try:
        return to_ms(text)
    except ValueError as err:
        raise MappingError(f"event time {raw!r} at {dotted!r} is neither ISO 8601 with offset nor epoch ms") from err


def parse_mapping(spec: Mapping[str, Any]) -> FieldMapping:
    """Validate a mapping document (already parsed from YAML/JSON)."""
    unknown = set(spec) - {"fields", "key", "timestamp", "defaults", "keep_unmapped"}
    if unknown:
        raise MappingError(f"unknown mapping keys {sorted(unknown)}; allowed: fields, key, timestamp, defaults, "
                           "keep_unmapped")
    rules: dict[str, FieldRule] = {}
    for column, rule in (spec.get("fields") or {}).items():
        if isinstance(rule, str):
            rules[str(column)] = FieldRule(rule)
        elif isinstance(rule, Mapping) and isinstance(rule.get("to"), str):
            kind = rule.get("type")
            if kind is not None and kind not in CONVERTERS:
                raise MappingError(f"column {column!r}: unknown type {kind!r}; use one of {sorted(CONVERTERS)}")
            rules[str(column)] = FieldRule(rule["to"], kind)
        else:
            raise MappingError(f"column {column!r}: expected a dotted path or {{to: path, type: ...}}, got {rule!r}")
    return FieldMapping(rules, str(spec.get("key", "account_id")), str(spec.get("timestamp", "event_time")),
                        dict(spec.get("defaults") or {}), bool(spec.get("keep_unmapped", False)))


def load_mapping(path: str | Path) -> FieldMapping:
    """Read a mapping from `.yaml`/`.yml` or `.json`."""
    path = Path(path)
    try:
        text = path.read_bytes()
        spec = orjson.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, orjson.JSONDecodeError, yaml.YAMLError) as err:
        raise MappingError(f"cannot read mapping file {path}: {err}") from err
    if not isinstance(spec, Mapping):
        raise MappingError(f"mapping file {path} must hold an object with 'fields', got {type(spec).__name__}")
    return parse_mapping(spec)
