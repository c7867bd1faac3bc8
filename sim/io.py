"""Simulation files: one JSON object per line, the record's envelope with its message value."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from sim.exceptions import SimFileError
from sim.records import KINDS, SimRecord


def write_jsonl(records: Iterable[SimRecord], path: str | Path) -> int:
    """Write records as JSON lines (`kind`, `key`, `event_time_ms`, `deliver_at_ms`, `value`); returns the count."""
    count = 0
    with open(path, "wb") as out:
        for r in records:
            out.write(orjson.dumps({"kind": r.kind, "key": r.key, "event_time_ms": r.event_time_ms,
                                    "deliver_at_ms": r.deliver_at_ms, "value": r.value}))
            out.write(b"\n")
            count += 1
    return count


def read_jsonl(path: str | Path) -> Iterator[SimRecord]:
    """Read back what `write_jsonl` wrote, in file order."""
    with open(path, "rb") as src:
        for number, line in enumerate(src, 1):
            if not line.strip():
                continue
            try:
                row = orjson.loads(line)
                record = SimRecord(row["kind"], row["key"], row["value"], int(row["event_time_ms"]),
                                   int(row["deliver_at_ms"]))
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as err:
                msg = f"{path}:{number}: not a simulation record ({err}); expected keys kind, key, value, ..."
                raise SimFileError(msg) from err
            if record.kind not in KINDS:
                raise SimFileError(f"{path}:{number}: unknown kind {record.kind!r}; expected one of {KINDS}")
            yield record
