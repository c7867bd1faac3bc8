"""Partition parking: a refused output parks its partition, retries back off, a delivered retry resumes it."""

import pytest
from structlog.testing import capture_logs

from agents.parking import MAX_BACKOFF, Parking

TOPIC = "fs-stage-score"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def parking(clock: Clock) -> Parking:
    return Parking(retry_s=30.0, clock=clock)


def test_a_refusal_parks_the_partition_loudly_and_holds_its_commits(parking):
    with capture_logs() as logs:
        parking.refused(TOPIC, 1, 42, "MSG_SIZE_TOO_LARGE", "Broker: Message size too large")
    assert parking.holds(TOPIC, 1) and not parking.holds(TOPIC, 0)
    assert parking.commit_limit(TOPIC, 1) == 42 and parking.commit_limit(TOPIC, 0) is None
    assert parking.take_positions() == [(TOPIC, 1, 42)] and parking.take_positions() == []
    [parked] = parking.snapshot()
    assert (parked.topic, parked.partition, parked.offset, parked.code) == (TOPIC, 1, 42, "MSG_SIZE_TOO_LARGE")
    [entry] = logs
    assert (entry["event"], entry["log_level"], entry["offset"], entry["code"]) == (
        "partition.parked", "error", 42, "MSG_SIZE_TOO_LARGE")


def test_a_later_refusal_leaves_the_parked_offset_and_an_earlier_one_moves_it_back(parking):
    parking.refused(TOPIC, 1, 42, "A", "a")
    parking.take_positions()
    parking.refused(TOPIC, 1, 45, "B", "b")  # read again from 42 anyway
    assert parking.commit_limit(TOPIC, 1) == 42 and parking.take_positions() == []
    parking.refused(TOPIC, 1, 40, "C", "c")  # its report came later than 42's
    assert parking.commit_limit(TOPIC, 1) == 40 and parking.take_positions() == [(TOPIC, 1, 40)]


def test_a_retry_comes_after_retry_s_and_no_event_is_held_meanwhile(parking, clock):
    parking.refused(TOPIC, 1, 42, "A", "a")
    clock.now += 29.9
    assert parking.due() == []
    clock.now += 0.1
    [due] = parking.due()
    assert (due.offset, due.retrying) == (42, True)
    assert not parking.holds(TOPIC, 1) and parking.retrying(TOPIC, 1)
    assert parking.commit_limit(TOPIC, 1) == 42  # not past it before its outputs are delivered
    assert parking.due() == []


def test_refused_retries_back_off_doubling_up_to_the_cap(parking, clock):
    parking.refused(TOPIC, 1, 42, "A", "a")
    waits = []
    for _ in range(6):
        start = clock.now
        while not parking.due():
            clock.now += 1.0
        waits.append(clock.now - start)
        parking.refused(TOPIC, 1, 42, "A", "a")  # the retried input is refused again
        assert parking.holds(TOPIC, 1) and parking.take_positions() == [(TOPIC, 1, 42)]
    assert waits == [30.0, 60.0, 120.0, 240.0, 30.0 * MAX_BACKOFF, 30.0 * MAX_BACKOFF]
    assert parking.snapshot()[0].attempts == 6


def test_a_delivered_retry_resumes_the_partition(parking, clock):
    parking.refused(TOPIC, 1, 42, "A", "a")
    clock.now += 30
    parking.due()
    parking.delivered(TOPIC, 1, 41)  # not the retried input: nothing proven yet
    assert parking.retrying(TOPIC, 1)
    with capture_logs() as logs:
        parking.delivered(TOPIC, 1, 42)
    assert not parking.parked() and parking.snapshot() == () and parking.commit_limit(TOPIC, 1) is None
    assert [entry["event"] for entry in logs] == ["partition.resumed"]


def test_a_delivery_outside_a_retry_changes_nothing(parking):
    parking.refused(TOPIC, 1, 42, "A", "a")
    parking.delivered(TOPIC, 1, 42)  # a late report from before the park
    assert parking.holds(TOPIC, 1)


def test_a_later_input_refused_during_a_retry_is_parked_once_the_retried_one_is_through(parking, clock):
    parking.refused(TOPIC, 1, 42, "A", "a")
    clock.now += 30
    parking.due()
    parking.take_positions()
    parking.refused(TOPIC, 1, 50, "B", "b")  # before the answer for 42
    assert parking.retrying(TOPIC, 1) and parking.commit_limit(TOPIC, 1) == 42
    parking.delivered(TOPIC, 1, 42)
    assert parking.holds(TOPIC, 1) and parking.commit_limit(TOPIC, 1) == 50
    assert parking.take_positions() == [(TOPIC, 1, 50)] and parking.snapshot()[0].attempts == 0


def test_a_rebalance_forgets_what_was_parked_here(parking):
    parking.refused(TOPIC, 1, 42, "A", "a")
    parking.refused(TOPIC, 0, 7, "A", "a")
    parking.forget([(TOPIC, 1), ("other", 1)])
    assert [(p.partition, p.offset) for p in parking.snapshot()] == [(0, 7)]
    assert not parking.holds(TOPIC, 1) and parking.take_positions() == [(TOPIC, 0, 7)]
