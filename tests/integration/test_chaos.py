"""The small version of `make chaos`: hostile inputs and control-plane attacks against a live worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.chaos import Lab, probe_bad_inputs, probe_control_attacks
from tests.conftest import record_traffic


@pytest.fixture
def chaos_lab(kafka_bootstrap: str, tmp_path: Path) -> Lab:
    return Lab(kafka_bootstrap, tmp_path, broker_pid=None)


def test_hostile_inputs_are_each_decided_or_dead_lettered(engine, chaos_lab):
    row = probe_bad_inputs(chaos_lab, engine, valid=20)
    record_traffic("chaos inputs sent", row.sent)
    assert row.lost == 0 and row.decided == 20, row
    assert row.worker_up, row
    assert {"invalid_json", "oversize", "wrong_type", "unknown_enum_value"} <= set(row.note.split(": ")[1].split(", "))


def test_control_plane_attacks_are_refused_and_the_worker_stays_on_the_published_ruleset(engine, chaos_lab):
    """Refused means: a dead letter that follows the published schema (they once went out with key and value
    swapped), and the next transaction still decided on the ruleset published before the attacks."""
    rows = probe_control_attacks(chaos_lab, engine)
    assert [row.probe for row in rows] == ["control: poison key (not UTF-8)", "control: replayed older pointer",
                                           "control: forged signature", "control: oversize record"]
    assert all(row.refused and row.worker_up for row in rows), rows
    codes = [row.note.split(";")[0] for row in rows]
    assert codes == ["control_key_invalid", "control_stale", "control_bad_signature", "control_oversize"], codes

