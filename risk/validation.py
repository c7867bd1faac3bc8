"""Turn raw bytes into a validated message or a machine-readable rejection; never raise on bad input.

Error codes are `DeadLetterCode` members, published in the dead-letter schema and stable (consumers of the
dead-letter topic switch on them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from schemas.dead_letter import DeadLetterCode as Code
from schemas.times import to_ms

M = TypeVar("M", bound=BaseModel)

_PYDANTIC_CODES = {
    "missing": Code.MISSING_FIELD,
    "enum": Code.UNKNOWN_ENUM_VALUE,
    "literal_error": Code.UNKNOWN_ENUM_VALUE,
    "finite_number": Code.AMOUNT_OUT_OF_RANGE,
    "greater_than": Code.AMOUNT_OUT_OF_RANGE,
    "less_than_equal": Code.AMOUNT_OUT_OF_RANGE,
    "decimal_max_digits": Code.AMOUNT_OUT_OF_RANGE,
    "decimal_max_places": Code.AMOUNT_OUT_OF_RANGE,
    "decimal_whole_digits": Code.AMOUNT_OUT_OF_RANGE,
}
_TYPE_ERRORS = ("_type", "_parsing", "model_type", "dict_type", "list_type")


@dataclass(frozen=True)
class Rejection:
    code: Code
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


class Checked(bytes):
    """JSON bytes that an import in this process already validated as `message` (a history file read for a
    backtest): `validate` takes that message rather than parsing and validating the same bytes again, and
    still applies its own size and time checks. Bytes read from a topic are never `Checked`."""

    message: BaseModel

    @classmethod
    def of(cls, raw: bytes, message: BaseModel) -> Checked:
        checked = cls(raw)
        checked.message = message
        return checked


def _code_for(error_type: str, loc: tuple[object, ...]) -> Code:
    if error_type in _PYDANTIC_CODES:
        code = _PYDANTIC_CODES[error_type]
        if code == Code.AMOUNT_OUT_OF_RANGE and "amount" not in loc:
            return Code.INVALID_VALUE
        return code
    if error_type.endswith(_TYPE_ERRORS):
        return Code.WRONG_TYPE
    return Code.INVALID_VALUE


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
        return Rejection(Code.INVALID_JSON, "message has no value (tombstone)")
    if len(raw) > max_bytes:
        return Rejection(Code.OVERSIZE, f"message is {len(raw)} bytes; the limit is {max_bytes}")
    if isinstance(raw, Checked) and type(raw.message) is model:
        return _in_bounds(raw.message, now_ms, bounds, time_field)
    parsed = _parse(raw, model)
    return parsed if isinstance(parsed, Rejection) else _in_bounds(parsed, now_ms, bounds, time_field)


def _parse(raw: bytes, model: type[M]) -> M | Rejection:
    try:
        document = orjson.loads(bytes(raw) if isinstance(raw, Checked) else raw)  # orjson takes exact bytes only
    except orjson.JSONDecodeError as err:
        return Rejection(Code.INVALID_JSON, f"not valid JSON: {err}")
    if not isinstance(document, dict):
        return Rejection(Code.NOT_AN_OBJECT, f"expected a JSON object, got {type(document).__name__}")
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
    return message


def _in_bounds(message: M, now_ms: int, bounds: TimeBounds | None, time_field: str) -> Accepted[M] | Rejection:
    if bounds is not None and (bounds.max_future_ms or bounds.max_age_ms):  # 0 and 0: nothing to check
        moment: datetime = getattr(message, time_field)
        time_ms = to_ms(moment)
        if bounds.max_future_ms and time_ms > now_ms + bounds.max_future_ms:
            return Rejection(Code.EVENT_TIME_OUT_OF_RANGE,
                             f"{time_field} {moment.isoformat()} is more than {bounds.max_future_ms // 1000}s "
                             "ahead of the clock", [time_field])
        if bounds.max_age_ms and time_ms < now_ms - bounds.max_age_ms:
            return Rejection(Code.EVENT_TIME_OUT_OF_RANGE,
                             f"{time_field} {moment.isoformat()} is older than {bounds.max_age_ms // 1000}s",
                             [time_field])
    return Accepted(message)
