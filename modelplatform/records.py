"""Reading decision and label records (JSONL) and turning edge-format times into epoch milliseconds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from modelplatform.exceptions import DatasetError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_ms(value: object, *, what: str = "time") -> int:
    """ISO-8601 with a zone, an aware datetime, or integer ms → epoch ms (naive times are refused)."""
    if isinstance(value, bool):
        msg = f"{what}: expected a time, got bool {value!r}"
        raise DatasetError(msg)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as ex:
            msg = f"{what}: {value!r} is not ISO-8601"
            raise DatasetError(msg) from ex
    if isinstance(value, datetime):
        if value.tzinfo is None:
            msg = f"{what}: {value.isoformat()} has no time zone"
            raise DatasetError(msg)
        return (value - _EPOCH) // timedelta(milliseconds=1)
    msg = f"{what}: expected ISO-8601 text, an aware datetime or epoch ms, got {type(value).__name__}"
    raise DatasetError(msg)


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """One dict per non-empty line; a bad line raises with its line number."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as ex:
                msg = f"{path}:{number}: not JSON: {ex}"
                raise DatasetError(msg) from ex
            if not isinstance(record, dict):
                msg = f"{path}:{number}: expected a JSON object, got {type(record).__name__}"
                raise DatasetError(msg)
            yield record


def ms_to_iso(ms: int) -> str:
    """Epoch ms → ISO-8601 UTC text, for cards and reports."""
    moment = _EPOCH + timedelta(milliseconds=ms)
    return moment.isoformat(timespec="milliseconds" if ms % 1000 else "seconds").replace("+00:00", "Z")
