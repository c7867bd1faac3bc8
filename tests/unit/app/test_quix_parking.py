"""Quix Streams parking: a refused output leaves the producer's latch, pauses its partition, and the checkpoint
never commits at or past the refused input (in-memory stand-ins for the producer, consumer and checkpoint)."""

from types import SimpleNamespace

from confluent_kafka import KafkaError

from agents.parking import Parking
from app.quix_parking import QuixParker

SCORE = "fs-stage-score"


class Producer:
    """Latches the first delivery error like Quix Streams' InternalProducer; `flush` serves pending reports."""

    def __init__(self) -> None:
        self._error: KafkaError | None = None
        self.reports: list[tuple[QuixParker, tuple[str, int, int], KafkaError]] = []
        self.flushes = 0

    def report(self, parker: QuixParker, source: tuple[str, int, int], error: KafkaError) -> None:
        if self._error is None:
            self._error = error
        parker.refused(*source, error)

    def flush(self, timeout: float | None = None) -> int:
        self.flushes += 1
        for parker, source, error in self.reports:
            self.report(parker, source, error)
        self.reports.clear()
        return 0


class Consumer:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int, int]] = []
        self.assigned = [SimpleNamespace(topic=SCORE, partition=p) for p in (0, 1)]

    def assignment(self):
        return self.assigned

    def pause(self, tps):
        self.calls += [("pause", tp.topic, tp.partition, -1) for tp in tps]

    def resume(self, tps):
        self.calls += [("resume", tp.topic, tp.partition, -1) for tp in tps]

    def seek(self, tp):
        self.calls.append(("seek", tp.topic, tp.partition, tp.offset))


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def _context(processed: dict, starts: dict):
    checkpoint = SimpleNamespace(_tp_offsets=dict(processed), _starting_tp_offsets=dict(starts))
    return SimpleNamespace(checkpoint=checkpoint, producer=Producer(), consumer=Consumer(), revoke_flush_timeout=-1.0)


def _parker(context, clock=None) -> QuixParker:
    return QuixParker(Parking(retry_s=30.0, clock=clock or Clock()), context.producer)


TOO_LARGE = KafkaError(KafkaError.MSG_SIZE_TOO_LARGE)


def test_a_refusal_is_taken_off_the_latch_and_parks_its_input_partition():
    context = _context({}, {})
    parker = _parker(context)
    context.producer.report(parker, (SCORE, 1, 42), TOO_LARGE)
    assert context.producer._error is None  # the next produce or checkpoint does not fail the worker
    assert parker.holds(SCORE, 1) and parker.parking.snapshot()[0].code == "MSG_SIZE_TOO_LARGE"


def test_another_latched_error_stays_and_purged_reports_are_no_refusals():
    context = _context({}, {})
    parker = _parker(context)
    other = KafkaError(KafkaError._MSG_TIMED_OUT)
    context.producer._error = other
    context.producer.report(parker, (SCORE, 1, 42), TOO_LARGE)
    assert context.producer._error is other and parker.holds(SCORE, 1)
    parker.refused(SCORE, 0, 3, KafkaError(KafkaError._PURGE_QUEUE))
    assert not parker.holds(SCORE, 0)


def test_a_refusal_inside_the_checkpoints_own_flush_stays_latched_and_fails_it():
    context = _context({}, {})
    parker = _parker(context)
    parker.committing = True
    context.producer.report(parker, (SCORE, 1, 42), TOO_LARGE)
    assert context.producer._error is TOO_LARGE


def test_a_commit_flushes_first_then_pauses_seeks_and_stops_before_the_refused_input():
    context = _context({(SCORE, 1): 45, (SCORE, 0): 9, ("transactions", 1): 5},
                       {(SCORE, 1): 40, (SCORE, 0): 8, ("transactions", 1): 5})
    parker = _parker(context)
    context.producer.reports.append((parker, (SCORE, 1, 42), TOO_LARGE))  # answered in the flush
    parker.settle(context, committing=True, revoking=False)
    assert context.producer.flushes == 1
    assert context.consumer.calls == [("pause", SCORE, 1, -1), ("seek", SCORE, 1, 42)]
    assert context.checkpoint._tp_offsets == {(SCORE, 1): 41, (SCORE, 0): 9, ("transactions", 1): 5}


def test_a_refused_first_input_of_the_checkpoint_commits_nothing_of_its_partition():
    context = _context({(SCORE, 1): 45}, {(SCORE, 1): 42})
    parker = _parker(context)
    context.producer.report(parker, (SCORE, 1, 42), TOO_LARGE)
    parker.settle(context, committing=False, revoking=False)
    assert context.checkpoint._tp_offsets == {}


def test_a_retry_resumes_and_a_flush_after_the_retried_input_decides_it():
    clock = Clock()
    context = _context({}, {})
    parker = _parker(context, clock)
    context.producer.report(parker, (SCORE, 1, 42), TOO_LARGE)
    parker.settle(context, committing=False, revoking=False)
    clock.now += 30
    context.consumer.calls.clear()
    parker.settle(context, committing=False, revoking=False)
    assert context.consumer.calls == [("resume", SCORE, 1, -1)] and parker.parking.retrying(SCORE, 1)

    context.checkpoint._tp_offsets[(SCORE, 1)] = 42  # the retried input was processed
    context.producer.reports.append((parker, (SCORE, 1, 42), TOO_LARGE))  # and refused again
    parker.settle(context, committing=False, revoking=False)
    assert parker.holds(SCORE, 1) and context.checkpoint._tp_offsets == {}
    assert context.consumer.calls[-2:] == [("pause", SCORE, 1, -1), ("seek", SCORE, 1, 42)]

    clock.now += 60
    parker.settle(context, committing=False, revoking=False)
    context.checkpoint._tp_offsets[(SCORE, 1)] = 42  # this time the broker takes it
    parker.settle(context, committing=False, revoking=False)
    assert not parker.parking.parked() and context.checkpoint._tp_offsets == {(SCORE, 1): 42}


def test_a_late_refusal_for_a_partition_gone_elsewhere_is_forgotten():
    context = _context({}, {})
    parker = _parker(context)
    context.consumer.assigned = context.consumer.assigned[:1]  # partition 1 was revoked
    context.producer.report(parker, (SCORE, 1, 42), TOO_LARGE)
    parker.settle(context, committing=False, revoking=False)
    assert not parker.parking.parked() and context.consumer.calls == []
