"""Map a foreign file's columns onto our message schema's (dotted) field paths.

Historical exports rarely match our contracts. A small YAML/JSON file says where each column goes (the
README's "Mapping reference" documents every key):

    timezone: Asia/Shanghai    # naive times in the file are local times of this zone
    key: account_id            # dotted path in the mapped value that becomes the message key
    timestamp: event_time      # dotted path holding the event time
    fields:
      txn_id: transaction_id
      cust_no: [account_id, customer_id]          # one column feeding several fields
      amt: amount
      lat: {to: geo.lat, type: float}
      ts: {to: event_time, format: "%Y%m%d%H%M%S"}
    defaults:                  # used where the row has no value
      currency: CNY
    constants:                 # always set, whatever the row holds
      channel: pos
    labels:                    # how the --labels file maps (same keys; default: Label field names)
      fields: {txn_id: transaction_id, fraud_flag: {to: is_fraud, type: bool}}

Pure: no I/O besides `load_mapping` reading the file. Coercion to the schema's own types (integer ids to
strings, naive times to the zone) happens after mapping, in `app.schema_coerce`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
import yaml

from app.exceptions import MappingError, MissingTime, NaiveTime, ValueUnconvertible
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


def _int(value: Any) -> int:
    return int(float(value)) if isinstance(value, str) and "." in value else int(value)


def _text(value: Any) -> str:
    """An id as text: `123`, `123.0` and `"123"` are all `"123"` (exports often write ids as numbers)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "str": _text, "int": _int, "float": float, "bool": _bool,
    "epoch_ms": lambda v: iso(int(float(v))), "epoch_s": lambda v: iso(int(float(v) * 1000)),
}
_SPEC_KEYS = ("fields", "key", "timestamp", "defaults", "constants", "keep_unmapped", "timezone", "labels")


@dataclass(frozen=True)
class FieldRule:
    """Where one column goes: one or more dotted targets, an optional type or `strptime` format."""

    targets: tuple[str, ...]
    type: str | None = None
    format: str | None = None

    def convert(self, column: str, value: Any) -> Any:
        try:
            if self.format is not None:
                return datetime.strptime(str(value).strip(), self.format).isoformat()
            return value if self.type is None else CONVERTERS[self.type](value)
        except (TypeError, ValueError) as err:
            shape = f"format {self.format!r}" if self.format else self.type
            msg = f"column {column!r} → {', '.join(self.targets)}: cannot convert {value!r} to {shape} ({err})"
            raise ValueUnconvertible(msg) from err


@dataclass(frozen=True)
class FieldMapping:
    """Source column → target rule; unmapped columns are dropped unless `keep_unmapped`."""

    fields: Mapping[str, FieldRule] = field(default_factory=dict)
    key: str = "account_id"
    timestamp: str = "event_time"
    defaults: Mapping[str, Any] = field(default_factory=dict)
    keep_unmapped: bool = False
    constants: Mapping[str, Any] = field(default_factory=dict)
    timezone: ZoneInfo | None = None
    labels: FieldMapping | None = None  # the mapping for a labels file that goes with this one

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
            value = rule.convert(column, value)
            for target in rule.targets:
                set_path(out, target, value)
        for path, value in self.constants.items():
            set_path(out, path, value)
        return out

    def with_timezone(self, zone: ZoneInfo | None) -> FieldMapping:
        """This mapping (and its labels mapping) reading naive times in `zone`; None keeps the file's own."""
        if zone is None:
            return self
        labels = self.labels.with_timezone(zone) if self.labels is not None else None
        return FieldMapping(self.fields, self.key, self.timestamp, self.defaults, self.keep_unmapped,
                            self.constants, zone, labels)


IDENTITY = FieldMapping(keep_unmapped=True)
LABEL_IDENTITY = FieldMapping(keep_unmapped=True, key="transaction_id", timestamp="confirmed_at")


@lru_cache(maxsize=4096)
def _parts(dotted: str) -> tuple[str, ...]:
    """A dotted path split once (a mapping names few paths, and every row goes through them)."""
    return tuple(dotted.split("."))


def set_path(target: dict[str, Any], dotted: str, value: Any) -> None:
    """`set_path(d, "geo.lat", 1.0)` → `d["geo"]["lat"] = 1.0`, creating the levels in between."""
    parts = _parts(dotted)
    node = target
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise MappingError(f"field path {dotted!r} runs through {part!r}, which already holds {child!r}")
        node = child
    node[parts[-1]] = value


def get_path(source: Mapping[str, Any], dotted: str) -> Any:
    """The value at a dotted path, or None when any level is missing."""
    node: Any = source
    for part in _parts(dotted):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def aware(raw: Any, zone: ZoneInfo | None, where: str) -> datetime:
    """A time value as an aware datetime: ISO 8601 (with offset, or naive and read in `zone`)."""
    if isinstance(raw, datetime):
        moment = raw
    else:
        try:
            moment = datetime.fromisoformat(str(raw).strip())
        except ValueError as err:
            msg = f"{where}: {raw!r} is not an ISO 8601 time (map it with type epoch_ms/epoch_s or a format)"
            raise ValueUnconvertible(msg) from err
    if moment.tzinfo is None:
        if zone is None:
            msg = (f"{where}: {raw!r} has no UTC offset; set `timezone:` in the mapping or pass --timezone "
                   "(e.g. Asia/Shanghai)")
            raise NaiveTime(msg)
        moment = moment.replace(tzinfo=zone)
    return moment


def timestamp_ms(value: Mapping[str, Any], dotted: str, zone: ZoneInfo | None = None) -> int:
    """Event time of a mapped value in epoch ms: ISO 8601 (naive ones read in `zone`), or epoch ms."""
    raw = get_path(value, dotted)
    if raw is None:
        raise MissingTime(f"no event time at {dotted!r}; map a column to it or pass the right --time-field")
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return int(raw)
    text = str(raw).strip()
    if text.isdigit():
        return int(text)
    return to_ms(aware(text, zone, f"event time at {dotted!r}"))


def zone_of(name: str | None) -> ZoneInfo | None:
    """An IANA zone name (`Asia/Shanghai`, `UTC`) as a ZoneInfo; None stays None."""
    if name is None:
        return None
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise MappingError(f"unknown time zone {name!r}; use an IANA name such as Asia/Shanghai or UTC") from err


def _rule(column: str, rule: Any) -> FieldRule:
    if isinstance(rule, str):
        return FieldRule((rule,))
    if isinstance(rule, list) and rule and all(isinstance(t, str) for t in rule):
        return FieldRule(tuple(rule))
    if isinstance(rule, Mapping):
        to = rule.get("to")
        targets = (to,) if isinstance(to, str) else tuple(to) if isinstance(to, list) else ()
        kind, fmt = rule.get("type"), rule.get("format")
        unknown = set(rule) - {"to", "type", "format"}
        if targets and all(isinstance(t, str) for t in targets) and not unknown:
            if kind is not None and kind not in CONVERTERS:
                raise MappingError(f"column {column!r}: unknown type {kind!r}; use one of {sorted(CONVERTERS)}")
            return FieldRule(targets, kind, None if fmt is None else str(fmt))
    raise MappingError(f"column {column!r}: expected a dotted path, a list of paths or {{to: path(s), type: ..., "
                       f"format: ...}}, got {rule!r}")


def parse_mapping(spec: Mapping[str, Any], *, labels: bool = False) -> FieldMapping:
    """Validate a mapping document (already parsed from YAML/JSON); `labels` parses a labels section."""
    unknown = set(spec) - set(_SPEC_KEYS) - ({"labels"} if labels else set())
    if unknown or (labels and "labels" in spec):
        raise MappingError(f"unknown mapping keys {sorted(unknown or {'labels'})}; allowed: "
                           f"{', '.join(k for k in _SPEC_KEYS if not (labels and k == 'labels'))}")
    fields = spec.get("fields") or {}
    if not isinstance(fields, Mapping):
        raise MappingError(f"'fields' must map column names to targets, got {type(fields).__name__}")
    rules = {str(column): _rule(str(column), rule) for column, rule in fields.items()}
    zone = zone_of(spec.get("timezone"))
    label_spec = spec.get("labels")
    if label_spec is not None and not isinstance(label_spec, Mapping):
        raise MappingError(f"'labels' must be a mapping like the top level, got {type(label_spec).__name__}")
    label_mapping = None
    if label_spec is not None:
        label_mapping = parse_mapping({"key": "transaction_id", "timestamp": "confirmed_at",
                                       **({"timezone": spec["timezone"]} if "timezone" in spec else {}),
                                       **label_spec}, labels=True)
    default_key, default_time = ("transaction_id", "confirmed_at") if labels else ("account_id", "event_time")
    return FieldMapping(rules, str(spec.get("key", default_key)), str(spec.get("timestamp", default_time)),
                        dict(spec.get("defaults") or {}), bool(spec.get("keep_unmapped", False)),
                        dict(spec.get("constants") or {}), zone, label_mapping)


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
