"""The import of outside history: mapping, coercion to the schema's types, rejects by code, each failure
with its message. Pure: rows in, messages or coded rejects out."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from app.exceptions import MappingError, TooManyRejects
from app.field_mapping import LABEL_IDENTITY, load_mapping, parse_mapping
from app.replay_sources import read_file
from app.row_import import Mapped, RejectTally, RowReject, map_row
from bench.foreign import MAPPING, write_foreign
from schemas import Label, Transaction

SPEC = {
    "timezone": "Asia/Shanghai",
    "fields": {"txn_no": "transaction_id", "cust_no": ["account_id", "customer_id"], "txn_time": "event_time",
               "amt": "amount", "terminal_id": "counterparty.id", "chnl": "channel", "prov": "branch.province",
               "city": "branch.city", "county": "branch.county"},
    "constants": {"tx_type": "payment", "counterparty.kind": "merchant"},
}
ROW = {"txn_no": 1000001, "cust_no": 5000007, "txn_time": "2025-03-01 08:30:00", "amt": 12.5, "terminal_id": 70001,
       "chnl": "POS", "prov": 44, "city": 4401, "county": 440106}


def _mapped(row: dict, spec: dict = SPEC) -> Mapped:
    result = map_row(row, parse_mapping(spec), Transaction)
    assert isinstance(result, Mapped), result
    return result


def _rejected(row: dict, spec: dict = SPEC) -> RowReject:
    result = map_row(row, parse_mapping(spec), Transaction)
    assert isinstance(result, RowReject), result
    return result


def test_a_foreign_row_becomes_a_valid_transaction() -> None:
    mapped = _mapped(ROW)
    tx = Transaction.model_validate_json(mapped.value)
    assert (tx.transaction_id, tx.account_id, tx.customer_id) == ("1000001", "5000007", "5000007")
    assert tx.branch.path == "44/4401/440106" and tx.channel == "pos" and tx.counterparty.kind == "merchant"
    assert mapped.key == b"5000007"


def test_naive_times_are_read_in_the_mappings_zone() -> None:
    mapped = _mapped(ROW)
    assert orjson.loads(mapped.value)["event_time"] == "2025-03-01T08:30:00+08:00"
    assert mapped.timestamp_ms == 1_740_789_000_000  # 2025-03-01 00:30 UTC


def test_integer_ids_written_as_floats_become_integer_text() -> None:
    assert orjson.loads(_mapped({**ROW, "txn_no": 1000001.0}).value)["transaction_id"] == "1000001"


def test_constants_win_over_the_row_and_defaults_fill_only_gaps() -> None:
    spec = {**SPEC, "fields": {**SPEC["fields"], "kind": "tx_type", "cur": "currency"},
            "defaults": {"currency": "CNY"}}
    value = orjson.loads(_mapped({**ROW, "kind": "transfer", "cur": ""}, spec).value)
    assert value["tx_type"] == "payment" and value["currency"] == "CNY"


def test_a_naive_time_without_a_zone_is_rejected_with_its_code_and_the_fix() -> None:
    spec = {k: v for k, v in SPEC.items() if k != "timezone"}
    reject = _rejected(ROW, spec)
    assert reject.code == "naive_time"
    assert "2025-03-01 08:30:00" in reject.message and "--timezone" in reject.message


def test_a_value_that_does_not_convert_names_column_target_and_type() -> None:
    spec = {**SPEC, "fields": {**SPEC["fields"], "amt": {"to": "amount", "type": "float"}}}
    reject = _rejected({**ROW, "amt": "twelve"}, spec)
    assert reject.code == "value_unconvertible" and "'amt'" in reject.message and "float" in reject.message


def test_a_time_in_a_declared_format_is_parsed_and_a_wrong_one_is_rejected() -> None:
    spec = {**SPEC, "fields": {**SPEC["fields"], "txn_time": {"to": "event_time", "format": "%Y%m%d%H%M%S"}}}
    assert _mapped({**ROW, "txn_time": "20250301083000"}, spec).timestamp_ms == 1_740_789_000_000
    reject = _rejected({**ROW, "txn_time": "2025-03-01"}, spec)
    assert reject.code == "value_unconvertible" and "%Y%m%d%H%M%S" in reject.message


def test_a_row_without_an_event_time_is_rejected_as_missing_time() -> None:
    reject = _rejected({k: v for k, v in ROW.items() if k != "txn_time"})
    assert reject.code == "missing_time" and "event_time" in reject.message


def test_schema_failures_carry_the_dead_letter_code_they_would_get_live() -> None:
    missing = _rejected({k: v for k, v in ROW.items() if k != "amt"})
    assert missing.code == "missing_field" and "amount" in missing.message
    bad_enum = _rejected({**ROW, "chnl": "telepathy"})
    assert bad_enum.code == "unknown_enum_value" and "channel" in bad_enum.message
    negative = _rejected({**ROW, "amt": -3})
    assert negative.code == "amount_out_of_range"


@pytest.mark.parametrize(("spec", "message"), [
    ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
    ({"fields": {"a": {"to": "x", "type": "complex"}}}, "unknown type 'complex'"),
    ({"fields": {"a": {"to": 3}}}, "expected a dotted path, a list of paths"),
    ({"fields": {"a": {"to": "x", "colour": "red"}}}, "expected a dotted path"),
    ({"fields": ["a", "b"]}, "'fields' must map column names"),
    ({"colour": "red"}, "unknown mapping keys ['colour']"),
    ({"labels": "yes"}, "'labels' must be a mapping"),
    ({"labels": {"labels": {}}}, "unknown mapping keys ['labels']"),
])
def test_a_malformed_mapping_file_is_refused_with_what_to_change(spec: dict, message: str) -> None:
    with pytest.raises(MappingError) as err:
        parse_mapping(spec)
    assert message in str(err.value)


def test_a_field_path_clash_is_the_mappings_fault_and_stops_the_import() -> None:
    spec = {"fields": {"a": "geo", "b": "geo.lat"}, "timezone": "UTC"}
    with pytest.raises(MappingError, match="runs through 'geo'"):
        map_row({"a": 1, "b": 2}, parse_mapping(spec), Transaction)


def test_the_labels_section_maps_the_labels_file_and_inherits_the_zone(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(MAPPING)
    labels = load_mapping(tmp_path / "m.yaml").labels
    assert labels is not None and labels.timezone is not None and labels.key == "transaction_id"
    row = {"txn_no": 1000001, "fraud_flag": "1", "confirm_time": "2025-03-08 10:00:00", "fraud_type": "drain"}
    mapped = map_row(row, labels, Label)
    assert isinstance(mapped, Mapped)
    label = Label.model_validate_json(mapped.value)
    assert label.is_fraud and label.transaction_id == "1000001" and label.confirmed_at.utcoffset().seconds == 8 * 3600
    assert LABEL_IDENTITY.key == "transaction_id"


def test_rejects_are_counted_per_code_and_too_many_fail_with_a_summary(tmp_path: Path) -> None:
    files = write_foreign(tmp_path, cards=8, days=2)
    mapping = load_mapping(files.mapping)
    plain = parse_mapping({**{k: v for k, v in SPEC.items() if k != "timezone"}})  # no zone: every row naive
    tally = RejectTally("transactions", 0.01)
    with pytest.raises(TooManyRejects) as err:
        list(read_file(files.transactions, mapping=plain, tally=tally))
    assert tally.rejected == {"naive_time": files.rows} and tally.rows == files.rows
    assert "rejects by code" in str(err.value) and f"naive_time: {files.rows}" in str(err.value)
    good = RejectTally("transactions", 0.01)
    assert len(list(read_file(files.transactions, mapping=mapping, tally=good))) == files.rows
    assert good.total_rejected == 0


def test_a_known_row_count_fails_the_import_as_soon_as_the_share_is_out_of_reach(tmp_path: Path) -> None:
    files = write_foreign(tmp_path, cards=8, days=2)
    plain = parse_mapping({k: v for k, v in SPEC.items() if k != "timezone"})
    tally = RejectTally("transactions", 0.1, expected_rows=files.rows)
    with pytest.raises(TooManyRejects, match="read so far"):
        list(read_file(files.transactions, mapping=plain, tally=tally))
    assert tally.rows == int(0.1 * files.rows) + 1 < files.rows


def test_an_empty_file_is_no_success(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("txn_no,amt\n")
    tally = RejectTally("transactions", 0.01)
    list(read_file(empty, mapping=parse_mapping(SPEC), tally=tally))
    with pytest.raises(TooManyRejects, match="no rows read"):
        tally.check()
