"""Synthetic e-banking traffic for a provincial rural credit union, with labelled fraud scenarios.

Pure and Kafka-free: the same seed gives the same records, so tests, demos and backtests can share one
history. `app/simulate.py` publishes it; `write_jsonl` keeps it in a file.

    >>> from sim import SimConfig, simulate
    >>> records = list(simulate(SimConfig(seed=1, customers=50, days=1)))
    >>> records[0].kind in ("transaction", "account_event", "label")
    True
"""

from sim.config import DEFAULT_START_MS, SimConfig
from sim.engine import simulate
from sim.io import read_jsonl, write_jsonl
from sim.labels import LABEL_POLICIES, LabelPolicy
from sim.records import RecordKind, SimRecord
from sim.scenarios import SCENARIOS

__all__ = [
    "DEFAULT_START_MS", "LABEL_POLICIES", "SCENARIOS", "LabelPolicy", "RecordKind", "SimConfig", "SimRecord",
    "read_jsonl", "simulate", "write_jsonl",
]
