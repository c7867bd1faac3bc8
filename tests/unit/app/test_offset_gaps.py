"""Gap reports: a committed offset below the log start is found, logged, counted and dead-lettered."""

import orjson
from structlog.testing import capture_logs

from agents.handlers import Counters
from app.offset_gaps import GapReport, OffsetGap, ReadPositions, find_gaps, gap_ahead
from schemas.dead_letter import DeadLetter


def test_only_committed_offsets_below_the_log_start_are_gaps():
    committed = {("tx", 0): 5, ("tx", 1): 12, ("tx", 2): -1, ("tx", 3): 40}
    log_start = {("tx", 0): 12, ("tx", 1): 12, ("tx", 2): 9}
    assert find_gaps(committed, log_start) == [OffsetGap("tx", 0, 5, 12)]


def test_a_gap_is_logged_as_an_error_counted_and_dead_lettered_in_the_published_schema():
    counters = Counters()
    with capture_logs() as logs:
        [(topic, key, value)] = GapReport(counters, "dead-letter", clock=lambda: 1_700_000_000.0).records(
            [OffsetGap("tx", 3, 5, 12)])
    assert (topic, key) == ("dead-letter", b"tx:3")
    letter = DeadLetter.model_validate(orjson.loads(value))
    assert (letter.source_topic, letter.partition, letter.offset, letter.error.code) == (
        "tx", 3, 5, "offsets_out_of_range")
    assert letter.errors == [{"committed_offset": "5", "log_start_offset": "12", "skipped": "7"}]
    assert counters.counts == {"dead_letter.offsets_out_of_range": 1, "records.skipped": 7}
    assert [(e["event"], e["log_level"], e["skipped"]) for e in logs] == [("offsets.out_of_range", "error", 7)]


def test_a_jump_below_the_log_start_is_a_gap_up_to_the_log_start():
    assert gap_ahead("tx", 0, expected=5, received=9, log_start=8) == OffsetGap("tx", 0, 5, 8)


def test_a_jump_the_log_start_does_not_explain_is_no_gap():
    """Compaction and transaction markers leave jumps above the log start."""
    assert gap_ahead("tx", 0, expected=5, received=9, log_start=0) is None
    assert gap_ahead("tx", 0, expected=5, received=9, log_start=5) is None


def test_a_log_start_that_moved_past_the_record_read_counts_only_up_to_that_record():
    assert gap_ahead("tx", 0, expected=5, received=9, log_start=20).skipped == 4


def test_read_positions_report_forward_jumps_only_and_start_unknown_after_an_assignment():
    positions = ReadPositions()
    assert positions.read("tx", 0, 40) is None  # first record after an assignment: the assignment check's
    assert positions.read("tx", 0, 41) is None
    assert positions.read("tx", 0, 45) == 42
    assert positions.read("tx", 0, 30) is None  # a seek back (redelivery) is no gap
    assert positions.read("tx", 1, 7) is None
    positions.forget([("tx", 0)])
    assert positions.read("tx", 0, 90) is None
    assert positions.read("tx", 1, 9) == 8
    positions.resume("tx", 1, 20)  # where the assignment check saw it resume: its first record is checked too
    assert positions.read("tx", 1, 23) == 20
