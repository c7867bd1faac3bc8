from pathlib import Path

import pytest

from sim import SimRecord, read_jsonl, write_jsonl
from sim.exceptions import SimFileError
from tests.unit.sim.conftest import run


def test_jsonl_round_trip_returns_the_same_records(tmp_path: Path) -> None:
    records = run(seed=4, customers=100, days=1.0)
    path = tmp_path / "sim.jsonl"
    assert write_jsonl(records, path) == len(records)
    assert list(read_jsonl(path)) == records


def test_reading_a_foreign_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"kind": "transaction"}\n')
    with pytest.raises(SimFileError, match=r"bad\.jsonl:1"):
        list(read_jsonl(path))


def test_records_are_json_ready(tmp_path: Path) -> None:
    record = SimRecord("label", "T1", {"a": 1}, 5, 6)
    write_jsonl([record], tmp_path / "one.jsonl")
    assert list(read_jsonl(tmp_path / "one.jsonl")) == [record]
