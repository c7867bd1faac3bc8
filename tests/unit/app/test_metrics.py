"""app/metrics.py: counter names become labelled Prometheus families; one registry per worker."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from agents.handlers import Counters
from agents.parking import Parking
from app.metrics import WorkerMetrics, family_samples
from app.offsets import PartitionOffsets


def _samples(body: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body.decode()) for s in family.samples}


def _metrics(counters: Counters, ready: bool = True, rows: list[PartitionOffsets] | None = None) -> WorkerMetrics:
    versions = {"ruleset": "2026.11.1+abc", "policy": "p1", "model": None, "challenger": None}
    return WorkerMetrics(counters, lambda: versions, lambda: rows or [], lambda: ready)


def test_dotted_counts_become_labelled_families():
    counters = Counters()
    for name, n in [("transactions.in", 5), ("decisions.ALLOW", 3), ("decisions.BLOCK", 1), ("decisions.repeated", 2),
                    ("dead_letter.invalid_json", 1), ("control.refused.bad_signature", 2),
                    ("stage.device.ok", 4), ("score.rows", 4)]:
        counters.add(name, n)
    samples = _samples(_metrics(counters).render())
    assert samples[("fraudstream_transactions_in_total", ())] == 5
    assert samples[("fraudstream_decisions_total", (("action", "ALLOW"),))] == 3
    assert samples[("fraudstream_decisions_total", (("action", "BLOCK"),))] == 1
    assert samples[("fraudstream_decisions_repeated_total", ())] == 2
    assert ("fraudstream_decisions_total", (("action", "repeated"),)) not in samples
    assert samples[("fraudstream_dead_letters_total", (("code", "invalid_json"),))] == 1
    assert samples[("fraudstream_control_refused_total", (("code", "bad_signature"),))] == 2
    assert samples[("fraudstream_stage_events_total", (("stage", "device"), ("status", "ok")))] == 4
    assert samples[("fraudstream_events_total", (("event", "score.rows"),))] == 4


def test_a_name_with_too_few_parts_falls_back_to_events():
    grouped = family_samples({"stage.device": 1})
    assert grouped == {None: [(("stage.device",), 1)]}


def test_timings_feed_the_latency_histograms():
    counters = Counters()
    metrics = _metrics(counters)
    counters.observe_ms("end_to_end", 12.0)
    counters.observe_ms("stage.device", 0.3)
    counters.observe_ms("stage.device", 0.7)
    samples = _samples(metrics.render())
    assert samples[("fraudstream_end_to_end_latency_seconds_count", ())] == 1
    assert samples[("fraudstream_end_to_end_latency_seconds_bucket", (("le", "0.025"),))] == 1
    assert samples[("fraudstream_end_to_end_latency_seconds_bucket", (("le", "0.01"),))] == 0
    assert samples[("fraudstream_stage_latency_seconds_count", (("stage", "device"),))] == 2


def test_versions_offsets_and_readiness_are_exposed():
    rows = [PartitionOffsets("transactions", 1, acked=40, committed=30, end=55)]
    samples = _samples(_metrics(Counters(), ready=False, rows=rows).render())
    info = [labels for (name, labels) in samples if name == "fraudstream_active_versions_info"]
    assert dict(info[0]) == {"ruleset": "2026.11.1+abc", "policy": "p1", "model": "none", "challenger": "none"}
    tp = (("partition", "1"), ("topic", "transactions"))
    assert samples[("fraudstream_consumer_lag_messages", tp)] == 15
    assert samples[("fraudstream_commit_lag_messages", tp)] == 10
    assert samples[("fraudstream_ready", ())] == 0


def test_each_worker_has_its_own_registry():
    first, second = Counters(), Counters()
    _metrics(first)
    _metrics(second)
    first.add("transactions.in")
    assert _samples(_metrics(second).render())[("fraudstream_transactions_in_total", ())] == 0


def test_parked_partitions_are_a_gauge_per_partition():
    parking = Parking(retry_s=30.0)
    metrics = WorkerMetrics(Counters(), lambda: {}, lambda: [], lambda: False, parking.snapshot)
    assert not [key for key in _samples(metrics.render()) if key[0] == "fraudstream_partitions_parked"]
    parking.refused("fs-stage-score", 1, 42, "MSG_SIZE_TOO_LARGE", "too large")
    samples = _samples(metrics.render())
    assert samples[("fraudstream_partitions_parked", (("partition", "1"), ("topic", "fs-stage-score")))] == 1
