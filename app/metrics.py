"""A worker's Prometheus metrics: one registry per process, rendered in the text format on /metrics.

The handlers count into the engine-free `agents.handlers.Counters` (a `Counter` of dotted names); a collector
turns those names into labelled families at scrape time (`dead_letter.oversize` ->
`fraudstream_dead_letters_total{code="oversize"}`), so the hot path pays one dict increment and no lock. Latency
histograms are fed through `Counters.timings`. Offsets and lag come from `app.offsets.OffsetMonitor`, versions
from the strategy holder, parked partitions from `agents.parking`, all read at scrape time.

End-to-end latency is decision time minus ingest time: the moment the account stage first read the
transaction, on the worker's clock. It covers every hop and stage of the pipeline but not the time a
transaction waited in the `transactions` topic (that is the consumer lag), nor the producer's send.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector

from agents.handlers import Counters
from agents.parking import ParkedPartition
from app.offsets import PartitionOffsets

PREFIX = "fraudstream"
CONTENT_TYPE = CONTENT_TYPE_LATEST
# Milliseconds-scale pipeline: 0.5 ms .. 10 s, in seconds (Prometheus base unit).
LATENCY_BUCKETS_S = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Family:
    """Counter names `<prefix><label values joined by '.'>` become one labelled counter family."""

    prefix: str
    name: str
    doc: str
    labels: tuple[str, ...] = ()


# First match wins; names that match nothing land in `fraudstream_events_total{event=...}`.
FAMILIES = (
    Family("transactions.in", "transactions_in", "records read from the transactions topic, valid or not"),
    Family("transactions.valid", "transactions_valid", "transactions that passed validation"),
    Family("transactions.rekeyed", "transactions_rekeyed", "transactions re-keyed by account (one extra hop)"),
    Family("transactions.duplicate", "transactions_duplicate", "repeated transaction ids, not counted again"),
    Family("decisions.repeated", "decisions_repeated", "redelivered transactions answered again with their first "
                                                       "decision (not new decisions)"),
    Family("decisions.", "decisions", "decisions made, by action", ("action",)),
    Family("dead_letter.", "dead_letters", "records dead-lettered, by code", ("code",)),
    Family("records.skipped", "records_skipped", "records deleted (retention) before this group read them; each "
                                                 "gap is dead-lettered as offsets_out_of_range"),
    Family("control.refused.", "control_refused", "control records refused, by code", ("code",)),
    Family("stage.", "stage_events", "events through a stage, by outcome", ("stage", "status")),
)
OTHER = "events"


def family_samples(counts: Mapping[str, int]) -> dict[Family | None, list[tuple[tuple[str, ...], int]]]:
    """Group dotted counter names by family with their label values; None holds the unmatched names."""
    grouped: dict[Family | None, list[tuple[tuple[str, ...], int]]] = {}
    for name, value in sorted(counts.items()):
        family = next((f for f in FAMILIES if name == f.prefix or (f.labels and name.startswith(f.prefix))), None)
        if family is None:
            labels: tuple[str, ...] = (name,)
        else:
            rest = name[len(family.prefix):]
            labels = tuple(rest.split(".", len(family.labels) - 1)) if family.labels else ()
            if len(labels) != len(family.labels):
                family, labels = None, (name,)
        grouped.setdefault(family, []).append((labels, value))
    return grouped


class CountersCollector(Collector):
    def __init__(self, counters: Counters) -> None:
        self._counters = counters

    def collect(self) -> Iterator[Metric]:
        grouped = family_samples(dict(self._counters.counts))  # dict(): one atomic copy under the GIL
        for family in FAMILIES:
            metric = CounterMetricFamily(f"{PREFIX}_{family.name}", family.doc, labels=family.labels)
            samples = grouped.get(family, [])
            if not family.labels and not samples:
                samples = [((), 0)]  # a plain counter reads 0 before its first event, so rates start at once
            for labels, value in samples:
                metric.add_metric(list(labels), value)
            yield metric
        other = CounterMetricFamily(f"{PREFIX}_{OTHER}", "other operational counts, by name", labels=("event",))
        for labels, value in grouped.get(None, []):
            other.add_metric(list(labels), value)
        yield other


class VersionsCollector(Collector):
    """The strategy versions serving decisions now; `none` where no model is active."""

    def __init__(self, versions: Callable[[], Mapping[str, str | None]]) -> None:
        self._versions = versions

    def collect(self) -> Iterator[Metric]:
        metric = InfoMetricFamily(f"{PREFIX}_active_versions", "ruleset, policy and model versions in use")
        metric.add_metric([], {kind: str(version or "none") for kind, version in self._versions().items()})
        yield metric


class OffsetsCollector(Collector):
    """Per partition this worker owns: lag to the log end, and how far the committed offset trails the acked
    position (a commit that stops advancing shows here long before a restart replays it)."""

    def __init__(self, offsets: Callable[[], list[PartitionOffsets]]) -> None:
        self._offsets = offsets

    def collect(self) -> Iterator[Metric]:
        labels = ("topic", "partition")
        families = {
            "consumer_lag": GaugeMetricFamily(f"{PREFIX}_consumer_lag_messages",
                                              "log end offset minus the acked position", labels=labels),
            "commit_lag": GaugeMetricFamily(f"{PREFIX}_commit_lag_messages",
                                            "acked position minus the committed offset", labels=labels),
            "acked": GaugeMetricFamily(f"{PREFIX}_acked_offset", "next offset after the last acked record",
                                       labels=labels),
            "committed": GaugeMetricFamily(f"{PREFIX}_committed_offset", "the group's committed offset",
                                           labels=labels),
        }
        for row in self._offsets():
            values = [row.topic, str(row.partition)]
            families["consumer_lag"].add_metric(values, row.consumer_lag)
            families["commit_lag"].add_metric(values, row.commit_lag)
            families["acked"].add_metric(values, row.acked)
            families["committed"].add_metric(values, row.committed)
        yield from families.values()


class WorkerMetrics:
    """Everything one worker process exposes; `render()` is the body of GET /metrics."""

    def __init__(self, counters: Counters, versions: Callable[[], Mapping[str, str | None]],
                 offsets: Callable[[], list[PartitionOffsets]], ready: Callable[[], bool],
                 parked: Callable[[], Sequence[ParkedPartition]] = tuple) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self._stage = Histogram(f"{PREFIX}_stage_latency_seconds", "processing time of one transaction in a stage",
                                ("stage",), registry=self.registry, buckets=LATENCY_BUCKETS_S)
        self._end_to_end = Histogram(f"{PREFIX}_end_to_end_latency_seconds",
                                     "decision time minus ingest time (account stage read)",
                                     registry=self.registry, buckets=LATENCY_BUCKETS_S)
        self._ready = ready
        self.registry.register(CountersCollector(counters))
        self.registry.register(VersionsCollector(versions))
        self.registry.register(OffsetsCollector(offsets))
        self.registry.register(_ReadyCollector(ready))
        self.registry.register(ParkedCollector(parked))
        counters.timings = self.observe_ms

    def observe_ms(self, series: str, ms: float) -> None:
        seconds = max(ms, 0.0) / 1000
        if series == "end_to_end":
            self._end_to_end.observe(seconds)
        elif series.startswith("stage."):
            self._stage.labels(series[len("stage."):]).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class ParkedCollector(Collector):
    """1 for each partition parked because the broker refused an output of it (`agents.parking`)."""

    def __init__(self, parked: Callable[[], Sequence[ParkedPartition]]) -> None:
        self._parked = parked

    def collect(self) -> Iterator[Metric]:
        metric = GaugeMetricFamily(f"{PREFIX}_partitions_parked", "partitions whose consumption is paused because "
                                   "the broker refused an output of them; retried periodically",
                                   labels=("topic", "partition"))
        for parked in self._parked():
            metric.add_metric([parked.topic, str(parked.partition)], 1.0)
        yield metric


class _ReadyCollector(Collector):
    def __init__(self, ready: Callable[[], bool]) -> None:
        self._ready = ready

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(f"{PREFIX}_ready", "1 when partitions are assigned, state recovered and the "
                                                   "control topic read", value=float(self._ready()))
