"""Hit deltas and action changes between a baseline and a candidate run of the same transactions."""

from __future__ import annotations

import pytest

from app.backtest.diff import action_changes, hit_deltas
from app.backtest.evaluate import rule_stats
from app.backtest.exceptions import BacktestError
from app.backtest.rows import columns_of
from tests.unit.app.backtest.test_evaluate import row

BASE = [row("t1", "ALLOW", fraud=True), row("t2", "REVIEW", ("R1",)), row("t3", "BLOCK", ("R1", "R2")),
        row("t4", "ALLOW")]
CAND = [row("t1", "REVIEW", ("R3",), fraud=True), row("t2", "ALLOW"), row("t3", "BLOCK", ("R2",)),
        row("t4", "ALLOW")]


def test_hit_deltas_cover_added_removed_and_changed_rules_largest_first():
    deltas = hit_deltas(rule_stats(columns_of(BASE), ["R1", "R2"], days=1),
                        rule_stats(columns_of(CAND), ["R2", "R3"], days=1))
    assert [(d.rule_id, d.baseline_hits, d.candidate_hits, d.delta) for d in deltas] == [
        ("R1", 2, 0, -2), ("R3", 0, 1, 1)]  # R2 unchanged: not listed


def test_action_change_matrix_and_who_moved():
    changes = action_changes(columns_of(BASE), columns_of(CAND))
    assert changes.changes == {"ALLOW→REVIEW": 1, "REVIEW→ALLOW": 1}
    assert changes.changed == 2
    assert (changes.frauds_newly_alerted, changes.frauds_no_longer_alerted) == (1, 0)
    assert (changes.genuine_newly_alerted, changes.genuine_no_longer_alerted) == (0, 1)


def test_runs_over_different_transactions_are_refused():
    with pytest.raises(BacktestError, match="different transactions"):
        action_changes(columns_of(BASE), columns_of(CAND[:3]))
