"""`backtest --out decisions.parquet`: every decision of the candidate run, one row per transaction, written
as the run streams (row groups of a few thousand), so outside tools can compute their own metrics.

The feature snapshot is left out (it is wide and varies by ruleset); join the bank's own labels on
`transaction_id`.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from app.backtest.exceptions import BacktestError
from modelplatform.records import to_ms

_ROW_GROUP = 20_000


def _schema() -> Any:
    import pyarrow as pa

    text, number = pa.string(), pa.float64()
    return pa.schema([
        ("transaction_id", text), ("account_id", text), ("event_time", text), ("event_time_ms", pa.int64()),
        ("action", text), ("score", number), ("rule_score", number), ("model_score", number),
        ("reason_codes", pa.list_(text)), ("rules", pa.list_(text)), ("shadow_rules", pa.list_(text)),
        ("ruleset_version", text), ("model_version", text), ("policy_version", text), ("late", pa.bool_()),
    ])


def _row(d: dict[str, Any]) -> dict[str, Any]:
    hits = d.get("rule_hits") or []
    return {"transaction_id": d["transaction_id"], "account_id": d["account_id"], "event_time": d["event_time"],
            "event_time_ms": to_ms(d["event_time"], what="decision.event_time"), "action": d["action"],
            "score": d["score"], "rule_score": d.get("rule_score"), "model_score": d.get("model_score"),
            "reason_codes": d.get("reason_codes") or [],
            "rules": [h["rule_id"] for h in hits if not h.get("shadow")],
            "shadow_rules": [h["rule_id"] for h in hits if h.get("shadow")],
            "ruleset_version": d.get("ruleset_version"), "model_version": d.get("model_version"),
            "policy_version": d.get("policy_version"), "late": bool(d.get("late"))}


class ParquetDecisions:
    """A decision sink for `run_backtest(sink=...)`; use as a context manager so the file is closed."""

    def __init__(self, path: Path) -> None:
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as err:
            raise BacktestError("--out needs pyarrow: `pip install pyarrow`") from err
        self.path = path
        self.rows = 0
        self._pa = pa
        path.parent.mkdir(parents=True, exist_ok=True)
        self._schema = _schema()
        self._writer = pq.ParquetWriter(path, self._schema)
        self._pending: list[dict[str, Any]] = []

    def __call__(self, decisions: list[dict[str, Any]]) -> None:
        self._pending.extend(_row(d) for d in decisions)
        if len(self._pending) >= _ROW_GROUP:
            self._write()

    def _write(self) -> None:
        if self._pending:
            self._writer.write_table(self._pa.Table.from_pylist(self._pending, schema=self._schema))
            self.rows += len(self._pending)
            self._pending = []

    def close(self) -> None:
        self._write()
        self._writer.close()

    def __enter__(self) -> ParquetDecisions:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()
