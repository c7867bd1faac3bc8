"""Turn raw bytes into a validated message or a machine-readable rejection; never raise on bad input.

Error codes are stable (consumers of the dead-letter topic switch on them):
`oversize`, `invalid_json`, `not_an_object`, `missing_field`, `wrong_type`, `unknown_enum_value`,
`amount_out_of_range`, `invalid_value`, `event_time_out_of_range`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from schemas.times import to_ms

M = TypeVar("M", bound=BaseModel)

_PYDANTIC_CODES = {
    "missing": "missing_field",
    "enum": "unknown_enum_value",
    "literal_error": "unknown_enum_value",
    "finite_number": "amount_out_of_range",
    "greater_than": "amount_out_of_range",
    "less_than_equal": "amount_out_of_range",
    "decimal_max_digits": "amount_out_of_range",
    "decimal_max_places": "amount_out_of_range",
    "decimal_whole_digits": "amount_out_of_range",
}
_TYPE_ERRORS = ("_type", "_parsing", "model_type", "dict_type", "list_type")


@dataclass(frozen=True)
class Rejection:
    code: str
    message: str
    fields: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class TimeBounds:
    """Event times outside `[now - max_age, now + max_future]` are rejected; 0 disables a side."""

    max_future_ms: int
    max_age_ms: int


@dataclass(frozen=True)
class Accepted(Generic[M]):
    message: M


def _code_for(error_type: str, loc: tuple[object, ...]) -> str:
    if error_type in _PYDANTIC_CODES:
        code = _PYDANTIC_CODES[error_type]
        if code == "amount_out_of_range" and "amount" not in loc:
            return "invalid_value"
        return code
    if error_type.endswith(_TYPE_ERRORS):
        return "wrong_type"
    return "invalid_value"


def validate(
    raw: bytes | None,
    model: type[M],
    *,
    max_bytes: int,
    now_ms: int,
    bounds: TimeBounds | None = None,
    time_field: str = "event_time",
) -> Accepted[M] | Rejection:
    if raw is None:
        return Rejection("invalid_json", "message has no value (tombstone)")
    if len(raw) > max_bytes:
        return Rejection("oversize", f"message is {len(raw)} bytes; the limit is {max_bytes}")
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        return Rejection("invalid_json", f"not valid JSON: {err}")
    if not isinstance(document, dict):
        return Rejection("not_an_object", f"expected a JSON object, got {type(document).__name__}")
    try:
        message = model.model_validate(document)
    except ValidationError as err:
        details = err.errors(include_url=False, include_input=False)
        errors = [{"field": ".".join(str(p) for p in d["loc"]), "type": d["type"], "message": d["msg"]}
                  for d in details]
        first = details[0]
        code = _code_for(first["type"], tuple(first["loc"]))
        summary = "; ".join(f"{e['field'] or '<root>'}: {e['message']}" for e in errors[:5])
        return Rejection(code, f"{model.__name__} failed validation: {summary}",
                         [e["field"] for e in errors], errors)
    if bounds is not None:
        moment: datetime = getattr(message, time_field)
        time_ms = to_ms(moment)
        if bounds.max_future_ms and time_ms > now_ms + bounds.max_future_ms:
            return Rejection("event_time_out_of_range",
                             f"{time_field} {moment.isoformat()} is more than {bounds.max_future_ms // 1000}s "
                             "ahead of the clock", [time_field])
        if bounds.max_age_ms and time_ms < now_ms - bounds.max_age_ms:
            return Rejection("event_time_out_of_range",
                             f"{time_field} {moment.isoformat()} is older than {bounds.max_age_ms // 1000}s",
                             [time_field])
    return Accepted(message)
