"""One foreign row → one validated message, or a counted reject: the import path of replay, backtest and
`model history` alike.

A row is mapped (`app.field_mapping`), bent to the schema's types (`app.schema_coerce`) and validated with
the very check the pipeline runs (`risk.validation`), so a rejected row carries the dead-letter code it
would get live (`missing_field`, `wrong_type`, ...) or an import code (`naive_time`, `value_unconvertible`,
...). Rejects are counted per code; more than `max_share` of the rows rejected fails the run with a
summary by code, as early as the outcome is certain, never as an empty report that exits 0.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import BaseModel

from app.exceptions import RowRejected, TooManyRejects
from app.field_mapping import FieldMapping, get_path, timestamp_ms
from app.schema_coerce import coerce
from risk.validation import Rejection, validate

DEFAULT_MAX_REJECT_SHARE = 0.01
_MAX_BYTES = 1 << 20


@dataclass
class RejectTally:
    """Rows read and rows rejected per code, with the first message of each code (for the summary)."""

    what: str
    max_share: float = DEFAULT_MAX_REJECT_SHARE
    expected_rows: int | None = None  # when known, the run fails as soon as the share cannot be met
    rows: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    @property
    def total_rejected(self) -> int:
        return sum(self.rejected.values())

    def reject(self, number: int, code: str, message: str) -> None:
        self.rejected[code] += 1
        self.examples.setdefault(code, f"row {number}: {message}")
        if self.expected_rows and self.total_rejected > self.max_share * self.expected_rows:
            raise TooManyRejects(self.summary(final=False))

    def summary(self, *, final: bool = True) -> str:
        counted = f"{self.total_rejected} of {self.rows} rows" + ("" if final else " read so far")
        lines = [f"{self.what}: {counted} rejected, more than the allowed {self.max_share:.2%} "
                 "(--max-reject-share)", "rejects by code:"]
        lines += [f"  {code}: {count}  e.g. {self.examples[code]}" for code, count in self.rejected.most_common()]
        return "\n".join(lines)

    def check(self) -> None:
        """Raise when the finished run rejected more than the allowed share (an empty file is no success)."""
        if self.rows == 0:
            raise TooManyRejects(f"{self.what}: no rows read; check the path and the file's format")
        if self.total_rejected > self.max_share * self.rows:
            raise TooManyRejects(self.summary())


@dataclass(frozen=True)
class RowReject:
    """Why a row of an outside file was not imported: an import code (`naive_time`, `value_unconvertible`, …)
    or the dead-letter code the schema's validation gave. Rows are counted and reported, never dead-lettered,
    so these codes are not the published `DeadLetterCode` enum."""

    code: str
    message: str


@dataclass(frozen=True)
class Mapped:
    """A row that passed: message key, JSON value, event time in epoch ms and the validated message."""

    key: bytes | None
    value: bytes
    timestamp_ms: int
    message: BaseModel | None = None


def map_row(row: dict[str, Any], mapping: FieldMapping, model: type[BaseModel] | None) -> Mapped | RowReject:
    """Map, coerce and (when `model` is given) validate one row; a reject says why with a stable code."""
    try:
        value = mapping.apply(row)
        if model is not None:
            coerce(value, model, mapping.timezone)
        ts = timestamp_ms(value, mapping.timestamp, mapping.timezone)
    except RowRejected as err:  # a path clash (plain MappingError) is the mapping's fault and propagates
        return RowReject(err.code, str(err))
    raw = orjson.dumps(value)
    message = None
    if model is not None:
        checked = validate(raw, model, max_bytes=_MAX_BYTES, now_ms=0)
        if isinstance(checked, Rejection):
            return RowReject(str(checked.code), checked.message)
        message = checked.message
    key = get_path(value, mapping.key)
    return Mapped(None if key is None else str(key).encode(), raw, ts, message)
