from pathlib import Path

import orjson
import pytest

from app.exceptions import MappingError
from app.field_mapping import load_mapping, parse_mapping, timestamp_ms
from app.replay_sources import read_file
from schemas import Transaction

SPEC = {
    "key": "account_id",
    "timestamp": "event_time",
    "fields": {
        "txn": "transaction_id", "acct": "account_id", "cust": "customer_id", "amt": "amount",
        "prov": "branch.province", "city": "branch.city", "cnty": "branch.county",
        "chan": "channel", "type": "tx_type", "ts": {"to": "event_time", "type": "epoch_ms"},
        "lat": {"to": "geo.lat", "type": "float"}, "lon": {"to": "geo.lon", "type": "float"},
    },
    "defaults": {"currency": "CNY"},
}
ROW = {"txn": "T1", "acct": "A1", "cust": "C1", "amt": "12.50", "prov": "44", "city": "4401", "cnty": "440106",
       "chan": "mobile", "type": "transfer", "ts": "1735660800000", "lat": "23.1", "lon": "113.3", "junk": "x"}


def test_dotted_paths_build_nested_fields() -> None:
    value = parse_mapping(SPEC).apply(ROW)
    assert value["branch"] == {"province": "44", "city": "4401", "county": "440106"}


def test_mapped_row_validates_as_a_transaction() -> None:
    Transaction.model_validate(parse_mapping(SPEC).apply(ROW))


def test_typed_columns_are_converted() -> None:
    value = parse_mapping(SPEC).apply(ROW)
    assert value["geo"] == {"lat": 23.1, "lon": 113.3} and value["event_time"] == "2025-01-01T00:00:00.000+08:00"


def test_unmapped_columns_are_dropped() -> None:
    assert "junk" not in parse_mapping(SPEC).apply(ROW)


def test_empty_cells_fall_back_to_defaults() -> None:
    value = parse_mapping({"fields": {"cur": "currency"}, "defaults": {"currency": "CNY"}}).apply({"cur": ""})
    assert value == {"currency": "CNY"}


def test_bad_value_names_column_target_and_type() -> None:
    with pytest.raises(MappingError, match=r"'lat'.*geo.lat.*float"):
        parse_mapping(SPEC).apply(ROW | {"lat": "north"})


def test_unknown_type_is_rejected_with_the_choices() -> None:
    with pytest.raises(MappingError, match="unknown type 'decimal'"):
        parse_mapping({"fields": {"a": {"to": "amount", "type": "decimal"}}})


def test_timestamp_accepts_iso_with_offset() -> None:
    assert timestamp_ms({"event_time": "2025-01-01T00:00:00+08:00"}, "event_time") == 1_735_660_800_000


def test_yaml_mapping_file_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("fields:\n  acct: account_id\n  lat: {to: geo.lat, type: float}\n")
    assert load_mapping(path).apply({"acct": "A9", "lat": "1.5"}) == {"account_id": "A9", "geo": {"lat": 1.5}}


def test_csv_file_is_replayed_through_the_mapping(tmp_path: Path) -> None:
    csv = tmp_path / "export.csv"
    csv.write_text(",".join(ROW) + "\n" + ",".join(ROW.values()) + "\n")
    (record,) = read_file(csv, mapping=parse_mapping(SPEC))
    assert (record.key, record.timestamp_ms, orjson.loads(record.value)["amount"]) == (b"A1", 1_735_660_800_000,
                                                                                        "12.50")


def test_parquet_file_is_replayed_through_the_mapping(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "export.parquet"
    pq.write_table(pa.Table.from_pylist([ROW, {**ROW, "txn": "T2", "ts": "1735660801000"}]), path)
    records = list(read_file(path, mapping=parse_mapping(SPEC)))
    assert [r.timestamp_ms for r in records] == [1_735_660_800_000, 1_735_660_801_000]
    assert Transaction.model_validate_json(records[1].value).transaction_id == "T2"


def test_replay_dry_run_counts_rejects_and_fails_when_a_real_run_would(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from app.replay import cli
    from bench.foreign import write_foreign

    files = write_foreign(tmp_path, cards=6, days=2)
    no_zone = tmp_path / "no-zone.yaml"
    no_zone.write_text(files.mapping.read_text().replace("timezone: Asia/Shanghai\n", ""))
    args = ["--file", str(files.transactions), "--target-topic", "sbx", "--dry-run"]
    failed = CliRunner().invoke(cli, [*args, "--mapping", str(no_zone)])
    assert failed.exit_code == 2 and "naive_time" in failed.output and "a real run would fail" in failed.output
    rescued = CliRunner().invoke(cli, [*args, "--mapping", str(no_zone), "--timezone", "Asia/Shanghai"])
    assert rescued.exit_code == 0 and f"{files.rows} rows read, 0 rejected" in rescued.output
