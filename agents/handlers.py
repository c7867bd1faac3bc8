"""Stage handlers: everything an agent does per message, minus Faust. Unit-testable with dicts and lists.

Tables are plain mappings (`get`, `__setitem__`) from entity id bytes to state bytes; outputs go through
an `Emitter`. Each handler writes its entity's table at most once per message. Handlers are synchronous:
they compute and hand their outputs to the emitter, and the engine (Faust, Quix Streams, `LocalPipeline`)
delivers them, so no engine's event loop or threading model leaks into them.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple, cast

import orjson
import structlog

from agents import envelope
from agents.dead_letter import KEY_LIMIT_BYTES, dead_letter_bytes
from agents.emit import Emitter, InProcessEmitter
from agents.first_decision import FirstDecisionConfig, FirstDecisions, Recorded
from agents.topology import TopicNames
from risk.decision import Assessment, Strategy, build_outputs
from risk.facts import TxFacts, facts_from, location_cell
from risk.features.account import AccountEventFacts, AccountStage, apply_account_event
from risk.features.common import StageConfig
from risk.features.entities import DeviceStage
from risk.features.labels import apply_label
from risk.features.stage import EntityStage, Status, run_stage
from risk.features.transaction import tx_features
from risk.responses import ResponsePlan
from risk.validation import Accepted, M, Rejection, TimeBounds, validate
from schemas import AccountEvent, DeadLetterCode, Label, Transaction
from schemas.times import to_ms
from tables.codec import BytesTable, StateSource, store_of

log = structlog.get_logger(__name__)

Table = StateSource  # an engine's table of bytes, or (in process) a store of decoded state
StrategySource = Callable[[], tuple[Strategy, ResponsePlan]]  # one consistent version set per call
NO_ENTITY = "~"  # key prefix for messages without the stage's entity (spread by transaction id)


Timings = Callable[[str, float], None]  # (series, milliseconds): e.g. ("stage.device", 0.4), ("end_to_end", 12.0)


@dataclass
class Counters:
    """Operational counts and timings: the handlers' one metrics port, engine- and Prometheus-free. The worker
    exposes the counts on /metrics (`app/metrics.py`) and plugs `timings` into its latency histograms."""

    counts: Counter[str] = field(default_factory=Counter)
    timings: Timings | None = None

    def add(self, name: str, n: int = 1) -> None:
        self.counts[name] += n

    def observe_ms(self, series: str, ms: float) -> None:
        if self.timings is not None:
            self.timings(series, ms)


class Source(NamedTuple):
    """One message read from `topic`. In process (`agents.local`) a stage's envelope arrives as the object
    (`env`, with its `facts`) and `value` is empty: nothing was encoded. A NamedTuple, not a frozen
    dataclass: several are made per transaction, and a tuple is built in one step."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    env: envelope.Envelope | None = None
    facts: TxFacts | None = None

    @property
    def tag(self) -> str:
        return f"{self.topic}:{self.partition}:{self.offset}"


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    bounds: TimeBounds
    utc_offset_minutes: int
    stage: StageConfig
    first_decision: FirstDecisionConfig = field(default_factory=FirstDecisionConfig)


class DeadLetters:
    def __init__(self, emitter: Emitter, topic: str, counters: Counters, clock: Callable[[], float],
                 max_value_bytes: int = 64 * 1024) -> None:
        self._emitter, self._topic, self._counters, self._clock = emitter, topic, counters, clock
        self._max_value_bytes = max_value_bytes

    def send(self, source: Source, rejection: Rejection) -> None:
        value = source.value if source.env is None else envelope.encode(source.env)  # in process: as a topic has it
        record = dead_letter_bytes(source_topic=source.topic, partition=source.partition, offset=source.offset,
                                   key=source.key, value=value, code=rejection.code,
                                   message=rejection.message, fields=rejection.fields, errors=rejection.errors,
                                   received_ms=int(self._clock() * 1000), max_value_bytes=self._max_value_bytes)
        self._counters.add(f"dead_letter.{rejection.code}")
        log.warning("dead_letter", code=rejection.code, topic=source.topic, partition=source.partition,
                    offset=source.offset, reason=rejection.message[:200])
        self._emitter.send(self._topic, (source.key or b"")[:KEY_LIMIT_BYTES], record)

    def accepted(self, source: Source, result: Accepted[M] | Rejection) -> M | None:
        """The validated message, or None once its rejection is on the dead-letter topic."""
        if isinstance(result, Rejection):
            self.send(source, result)
            return None
        return result.message


def _rekeyed(source: Source) -> envelope.RekeyedEnvelope:
    """The envelope handed over in process, or decoded from the rekey topic."""
    if source.env is not None:
        return cast(envelope.RekeyedEnvelope, source.env)
    return envelope.decode_rekeyed(source.value or b"{}")


def _staged(source: Source) -> envelope.StageEnvelope:
    if source.env is not None:
        return cast(envelope.StageEnvelope, source.env)
    return envelope.decode_stage(source.value or b"{}")


def _scored(source: Source) -> envelope.TxEnvelope:
    if source.env is not None:
        return cast(envelope.TxEnvelope, source.env)
    return envelope.decode_tx(source.value or b"{}")


def _facts(source: Source, env: envelope.TxEnvelope) -> TxFacts:
    return source.facts if source.facts is not None else TxFacts.from_dict(env["tx"])


def send_envelope(emitter: Emitter, topic: str, key: bytes, env: envelope.Envelope,
                  facts: TxFacts | None = None) -> None:
    """To the next stage: encoded for a topic, or the object itself when every stage runs in this process."""
    if isinstance(emitter, InProcessEmitter):
        emitter.send_envelope(topic, key, env, facts)
    else:
        emitter.send(topic, key, envelope.encode(env))


def _original(env: envelope.TxEnvelope) -> Source | None:
    """The input as it was first read, carried through the re-key hop so a duplicate can be dead-lettered whole."""
    carried = envelope.original(env)
    if carried is None:
        return None
    topic, partition, offset = env["tag"].rsplit(":", 2)  # Kafka topic names cannot contain ':'
    return Source(topic, int(partition), int(offset), carried[0], carried[1])


def _scoring_failed(facts: TxFacts, error: Exception) -> Rejection:
    """The dead letter of a transaction that could not be scored keeps the cause's own code (e.g. a rule's
    rule_runtime or feature_type, a model's), so the row can be triaged without the worker log."""
    code, message = str(getattr(error, "code", type(error).__name__)), str(error)[:500]
    return Rejection(DeadLetterCode.SCORING_FAILED,
                     f"transaction {facts.transaction_id} could not be scored: [{code}] {message}", [],
                     [{"code": code, "message": message}])


@cache
def _stage_counter(stage: str, status: Status) -> str:
    """`stage.<stage>.<status>`, formatted once per pair rather than per event."""
    return f"stage.{stage}.{status.value}"


def _stage_key(stage: EntityStage, facts: TxFacts) -> bytes:
    entity = stage.key(facts)
    return (entity if entity is not None else f"{NO_ENTITY}{facts.transaction_id}").encode()


class AccountHandler:
    """First stage: validate, dead-letter bad input, drop duplicate ids, keep account state, route on."""

    def __init__(self, table: Table, emitter: Emitter, topics: TopicNames, limits: Limits, counters: Counters,
                 clock: Callable[[], float] = time.time) -> None:
        self._states, self._emitter, self._topics, self._limits = store_of(table), emitter, topics, limits
        self._counters, self._clock = counters, clock
        self._dead = DeadLetters(emitter, topics.dead_letter, counters, clock, limits.max_bytes)
        self._stage = AccountStage()
        self._next = DeviceStage()

    def on_transaction(self, source: Source) -> None:
        self._counters.add("transactions.in")
        tx = self._dead.accepted(source, validate(source.value, Transaction, max_bytes=self._limits.max_bytes,
                                                  now_ms=int(self._clock() * 1000), bounds=self._limits.bounds))
        if tx is None:
            return
        self._counters.add("transactions.valid")
        facts = facts_from(tx)
        self._process(facts, source.tag, source.key, int(self._clock() * 1000), source)

    def on_event(self, source: Source) -> None:
        event = self._dead.accepted(source, validate(source.value, AccountEvent, max_bytes=self._limits.max_bytes,
                                                     now_ms=int(self._clock() * 1000), bounds=self._limits.bounds))
        if event is None:
            return
        geo = event.geo
        facts = AccountEventFacts(event.event_id, to_ms(event.event_time), event.account_id,
                                  event.kind.value, geo.lat if geo else None, geo.lon if geo else None)
        if source.key != event.account_id.encode():
            send_envelope(self._emitter, self._topics.rekey, event.account_id.encode(),
                          envelope.event_envelope(dict(facts.__dict__), source.tag))
            return
        self._apply_event(facts)

    def on_rekeyed(self, source: Source) -> None:
        """Inputs whose producer keyed them by something else arrive here keyed by account id."""
        env = _rekeyed(source)
        if env["k"] == "event":
            self._apply_event(AccountEventFacts(**env["ev"]))
        else:
            self._process(_facts(source, env), env["tag"], source.key, env["in"], _original(env))

    def _apply_event(self, facts: AccountEventFacts) -> None:
        key = facts.account_id.encode()
        state = apply_account_event(self._states.load(key), facts, self._limits.stage)
        self._counters.add("account_events.applied" if state is not None else "account_events.duplicate")
        if state is not None:
            self._states.save(key, state)

    def _process(self, facts: TxFacts, tag: str, key: bytes | None, ingest_ms: int,
                 original: Source | None) -> None:
        account_key = facts.account_id.encode()
        if key != account_key:
            # State must live on the account's partition: one extra hop, then processed as usual.
            self._counters.add("transactions.rekeyed")
            send_envelope(self._emitter, self._topics.rekey, account_key, envelope.tx_envelope(
                facts.to_dict(), {}, {}, tag, False, ingest_ms,
                original=None if original is None else (original.key, original.value or b"")), facts)
            return
        outcome = run_stage(self._stage, self._states.load(account_key), facts, tag, self._limits.stage,
                            drop_duplicates=True)
        if outcome.status is Status.DUPLICATE:
            self._counters.add("transactions.duplicate")
            if original is not None:
                self._dead.send(original, Rejection(
                    DeadLetterCode.DUPLICATE_TRANSACTION_ID,
                    f"transaction {facts.transaction_id} was already decided; this copy is not counted",
                    ["transaction_id"]))
            return
        if outcome.state is not None:
            self._states.save(account_key, outcome.state)
        self._counters.add(_stage_counter("account", outcome.status))
        features = {**tx_features(facts, self._limits.utc_offset_minutes), **outcome.features}
        send_envelope(self._emitter, self._topics.device_stage, _stage_key(self._next, facts), envelope.tx_envelope(
            facts.to_dict(), features, {"account": outcome.elapsed_ms}, tag, outcome.status is Status.LATE,
            ingest_ms), facts)


class EntityHandler:
    """Device and location stages: update one entity's state, add its features, pass the envelope on."""

    def __init__(self, stage: EntityStage, table: Table, emitter: Emitter, next_topic: str | None,
                 next_stage: EntityStage | None, limits: Limits, counters: Counters) -> None:
        self._stage, self._states, self._emitter = stage, store_of(table), emitter
        self._next_topic, self._next_stage, self._limits, self._counters = next_topic, next_stage, limits, counters

    def on_envelope(self, source: Source) -> None:
        env = _staged(source)
        if env["k"] == "label":
            self._apply_label(source.key or b"", env)
            return
        facts = _facts(source, env)
        key = self._stage.key(facts)
        state = self._states.load(key.encode()) if key is not None else None
        outcome = run_stage(self._stage, state, facts, env["tag"], self._limits.stage)
        self._counters.add(_stage_counter(self._stage.name, outcome.status))
        env["f"].update(outcome.features)
        env["t"][self._stage.name] = outcome.elapsed_ms
        if outcome.state is not None and key is not None:
            self._states.save(key.encode(), outcome.state)
        self.forward(facts, env, source)

    def forward(self, facts: TxFacts, env: envelope.TxEnvelope, source: Source) -> None:
        """To the next entity stage keyed by its entity, or (last stage) to the score stage keyed by account."""
        assert self._next_topic is not None
        key = facts.account_id.encode() if self._next_stage is None else _stage_key(self._next_stage, facts)
        send_envelope(self._emitter, self._next_topic, key, env, facts)

    def _apply_label(self, key: bytes, env: envelope.LabelEnvelope) -> None:
        state = self._states.load(key) or self._stage.new_state()
        apply_label(state, env["tx_id"], env["fraud"], env["confirmed_ms"], self._limits.stage)
        self._states.save(key, state)
        self._counters.add(f"labels.{self._stage.name}")


class ScoreHandler:
    """Score stage: rules and models run over a batch at once (vectorised); then each transaction is decided
    and its decision, alert and block commands are emitted in input order. A batch that cannot be scored
    together is scored row by row, and a row that still fails is dead-lettered, not dropped.

    Its only state is the first-decision record per account (`agents.first_decision`): a transaction decided
    before is answered with the outputs it got then, never scored again. `decided=None` keeps no record
    (offline runs, where nothing is redelivered)."""

    def __init__(self, emitter: Emitter, topics: TopicNames, counters: Counters,
                 strategy_source: StrategySource, clock: Callable[[], float] = time.time, *,
                 decided: BytesTable | None = None, first_decision: FirstDecisionConfig | None = None) -> None:
        self._emitter, self._topics, self._counters = emitter, topics, counters
        self._strategy_source, self._clock = strategy_source, clock
        self._dead = DeadLetters(emitter, topics.dead_letter, counters, clock)
        self._decided = (FirstDecisions(decided, first_decision or FirstDecisionConfig())
                         if decided is not None else None)

    def on_envelope(self, source: Source) -> None:
        self.on_batch([source])

    @property
    def emitter(self) -> Emitter:
        return self._emitter

    def on_batch(self, sources: Sequence[Source]) -> None:
        items = []
        for source in sources:
            env = _scored(source)
            items.append((source, env, _facts(source, env)))
        self.score(items)

    def score(self, items: Sequence[tuple[Source, envelope.TxEnvelope, TxFacts]]) -> None:
        """Decide `(source, envelope, facts)` items together; a batch of one takes the single-event path
        (the same result, without the cost of building one-row columns). A redelivered transaction is scored
        too (rare: not worth a second pass over the record), then answered from the record."""
        for item, result in zip(items, self._assess(items), strict=True):
            source, env, fact = item
            key = fact.account_id.encode()
            first = self._decided.find(key, fact.transaction_id) if self._decided is not None else None
            if first is not None:
                self._counters.add("decisions.repeated")
                self._send(fact, first)
                continue
            if isinstance(result, Exception):
                self._dead.send(source, _scoring_failed(fact, result))
                continue
            assessment, strategy, responses = result
            outputs = build_outputs(fact, env["f"], assessment, strategy.versions, responses, late=env["late"],
                                    timings_ms=env["t"])
            first = Recorded(outputs.decision, outputs.alert, outputs.blocks, env["in"], env["tag"])
            if self._decided is not None:
                self._decided.record(key, fact.transaction_id, fact.event_time_ms, first)
            self._counters.add(f"decisions.{assessment.action.value}")
            self._observe(env)
            self._send(fact, first)

    def _assess(self, items: Sequence[tuple[Source, envelope.TxEnvelope, TxFacts]]
                ) -> list[tuple[Assessment, Strategy, ResponsePlan] | Exception]:
        if not items:
            return []
        envs = [env for _, env, _ in items]
        facts = [fact for _, _, fact in items]
        strategy, responses = self._strategy_source()  # one strategy version for the whole batch
        started = time.perf_counter()
        try:
            rows = [env["f"] for env in envs]
            assessments: list[Assessment | Exception] = (
                list(strategy.assess_batch(rows, facts)) if len(envs) > 1 else [strategy.assess(rows[0], facts[0])])
        except Exception as ex:  # isolate the row that breaks; never lose the batch
            log.exception("score.batch_failed", rows=len(envs), error=repr(ex))
            assessments = [self._assess_one(strategy, env, fact) for env, fact in zip(envs, facts, strict=True)]
        share_ms = round((time.perf_counter() - started) * 1000 / len(envs), 3)
        self._counters.add("score.batches")
        self._counters.add("score.rows", len(envs))
        for env in envs:
            env["t"]["decide"] = share_ms
        return [assessment if isinstance(assessment, Exception) else (assessment, strategy, responses)
                for assessment in assessments]

    def _assess_one(self, strategy: Strategy, env: envelope.TxEnvelope, facts: TxFacts) -> Assessment | Exception:
        try:
            return strategy.assess(env["f"], facts)
        except Exception as ex:
            log.exception("score.row_failed", transaction_id=facts.transaction_id, error=repr(ex))
            return ex

    def _observe(self, env: envelope.TxEnvelope) -> None:
        """End to end = decision time - ingest time (the account stage's clock when it first read the
        transaction): every hop and stage of the pipeline, not the time spent waiting in `transactions`."""
        end_to_end_ms = self._clock() * 1000 - env["in"]
        if self._counters.timings is None:  # nothing records them (offline runs)
            return
        self._counters.observe_ms("end_to_end", end_to_end_ms)
        for stage, ms in env["t"].items():
            self._counters.observe_ms(f"stage.{stage}", ms)

    def _send(self, facts: TxFacts, outputs: Recorded) -> None:
        account_key = facts.account_id.encode()
        if isinstance(self._emitter, InProcessEmitter):  # the records themselves: no topic to encode them for
            self._emitter.send_record(self._topics.decisions, account_key, outputs.decision)
            if outputs.alert is not None:
                self._emitter.send_record(self._topics.alerts, account_key, outputs.alert)
            for command in outputs.blocks:
                self._emitter.send_record(self._topics.blocks, command["target_id"].encode(), command)
            return
        # fs-tx-id lets a reader that waits for one transaction (the decision API) skip the others unparsed
        headers = {"fs-ingest-ms": str(outputs.ingest_ms).encode(), "fs-source": outputs.source_tag.encode(),
                   "fs-tx-id": facts.transaction_id.encode()}
        self._emitter.send(self._topics.decisions, account_key, orjson.dumps(outputs.decision), headers)
        if outputs.alert is not None:
            self._emitter.send(self._topics.alerts, account_key, orjson.dumps(outputs.alert), headers)
        for command in outputs.blocks:
            self._emitter.send(self._topics.blocks, command["target_id"].encode(), orjson.dumps(command), headers)


class InlineScoringHandler(EntityHandler):
    """The last entity stage scoring each transaction itself, one at a time (`FRAUDSTREAM_SCORE_STAGE=inline`):
    one hop less than the separate score stage, so lower latency, but no vectorised batches."""

    def __init__(self, stage: EntityStage, table: Table, score: ScoreHandler, limits: Limits,
                 counters: Counters) -> None:
        super().__init__(stage, table, score.emitter, None, None, limits, counters)
        self._score = score

    def forward(self, facts: TxFacts, env: envelope.TxEnvelope, source: Source) -> None:
        self._score.score([(source, env, facts)])


def label_cell(label: Label) -> str | None:
    """The cell a label counts against: its own `location_cell`, else the one its transaction's geo (or area
    code) falls in, computed exactly as the entity stage computes it for the transaction."""
    if label.location_cell:
        return label.location_cell
    lat, lon = (label.geo.lat, label.geo.lon) if label.geo else (None, None)
    return location_cell(lat, lon, label.region_code)


class LabelRouter:
    """Labels arrive keyed by transaction id; each goes to the stages that own its entities."""

    def __init__(self, emitter: Emitter, topics: TopicNames, limits: Limits, counters: Counters,
                 clock: Callable[[], float] = time.time) -> None:
        self._emitter, self._topics, self._limits, self._counters = emitter, topics, limits, counters
        self._dead = DeadLetters(emitter, topics.dead_letter, counters, clock, limits.max_bytes)
        self._clock = clock

    def on_label(self, source: Source) -> None:
        label = self._dead.accepted(source, validate(
            source.value, Label, max_bytes=self._limits.max_bytes, now_ms=int(self._clock() * 1000),
            bounds=TimeBounds(self._limits.bounds.max_future_ms, 0), time_field="confirmed_at"))
        if label is None:
            return
        body = envelope.label_envelope(label.transaction_id, label.is_fraud,
                                       to_ms(label.confirmed_at))
        routes = ((self._topics.device_stage, label.device_id), (self._topics.location_stage, label_cell(label)),
                  (self._topics.counterparty_stage, label.counterparty_id))
        for topic, entity in routes:
            if entity:
                send_envelope(self._emitter, topic, entity.encode(), body)
        self._counters.add("labels.routed")
