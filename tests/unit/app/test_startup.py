"""A worker's start-up timeline: one debug event per phase, with its own and the cumulative duration."""

from __future__ import annotations

from structlog.testing import capture_logs

from app.startup import mark


def test_each_phase_is_one_debug_event_with_its_duration_and_the_time_since_the_start():
    with capture_logs() as logs:
        mark("rules", rules=95)
        mark("pipeline")
    assert [(e["event"], e["log_level"], e["phase"]) for e in logs] == [
        ("worker.startup", "debug", "rules"), ("worker.startup", "debug", "pipeline")]
    assert logs[0]["rules"] == 95
    assert 0 <= logs[1]["phase_s"] <= logs[1]["elapsed_s"]
    assert logs[1]["elapsed_s"] >= logs[0]["elapsed_s"]
    assert logs[1]["cpu_s"] >= logs[1]["thread_cpu_s"] >= 0
