"""Bend a mapped row towards the schema's own types before validation, as an import of foreign data must.

Exports write ids as integers (`10023`, even `10023.0`), times without an offset, enum values in capitals.
The message contracts are strict about those on purpose (a live producer must send them right), so the
import does the conversions a person would: integer ids become text, naive times are read in the mapping's
time zone, enum values are matched without regard to case. Anything else is left for the schema to judge,
so a row that is really wrong is still rejected with the dead-letter code it would get live.
"""

from __future__ import annotations

import types
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any, Union, get_args, get_origin
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel

from app.field_mapping import aware

_TEXT, _TIME, _ENUM, _MODEL = "text", "time", "enum", "model"
Plan = dict[str, tuple[str, Any]]


def _plain(annotation: Any) -> Any:
    """`X | None` → X; other unions stay as they are (nothing to coerce there)."""
    if get_origin(annotation) in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return inner[0] if len(inner) == 1 else None
    return annotation


@cache
def _plan(model: type[BaseModel]) -> Plan:
    plan: Plan = {}
    for name, info in model.model_fields.items():
        kind = _plain(info.annotation)
        if not isinstance(kind, type):
            continue
        if issubclass(kind, BaseModel):
            plan[name] = (_MODEL, kind)
        elif issubclass(kind, StrEnum):
            plan[name] = (_ENUM, _enum_values(kind))
        elif issubclass(kind, datetime) or kind is AwareDatetime:
            plan[name] = (_TIME, None)
        elif kind is str:
            plan[name] = (_TEXT, None)
    return plan


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return value  # a boolean where text belongs is a real mistake: let the schema say so
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if isinstance(value, int | float) else value


def _enum_values(kind: type[StrEnum]) -> dict[str, str]:
    """Each member's value by its lower case (the first member wins a tie), built once per enum."""
    values: dict[str, str] = {}
    for member in kind:
        values.setdefault(member.value.lower(), member.value)
    return values


def _enum(value: Any, values: dict[str, str]) -> Any:
    return values.get(value.strip().lower(), value) if isinstance(value, str) else value


def coerce(value: dict[str, Any], model: type[BaseModel], zone: ZoneInfo | None) -> dict[str, Any]:
    """`value` (a mapped row) with ids as text, times aware (naive ones in `zone`) and enums in their case.

    Raises `NaiveTime` for a naive time when `zone` is None, `ValueUnconvertible` for a time that is no
    time at all; changes `value` in place and returns it.
    """
    for name, (kind, arg) in _plan(model).items():
        item = value.get(name)
        if item is None or (kind == _TEXT and type(item) is str):  # nothing to do (most cells are text)
            continue
        if kind == _TEXT:
            value[name] = _text(item)
        elif kind == _ENUM:
            value[name] = _enum(item, arg)
        elif kind == _TIME and not isinstance(item, int | float):
            value[name] = aware(item, zone, name).isoformat()
        elif kind == _MODEL and isinstance(item, dict):
            coerce(item, arg, zone)
    return value
