"""Which errors out of Quix Streams make a worker start afresh in place (after a broker outage, say)."""

from __future__ import annotations

from confluent_kafka import KafkaError, KafkaException
from quixstreams.checkpointing.exceptions import CheckpointConsumerCommitError
from quixstreams.exceptions.assignment import PartitionAssignmentError

from app.quix_app import is_broker_failure


def test_broker_failures_seen_in_a_frozen_broker_probe_restart_the_worker():
    assert is_broker_failure(CheckpointConsumerCommitError(
        "Commit failed: Broker: Static consumer fenced by other consumer with same group.instance.id"))
    assert is_broker_failure(PartitionAssignmentError("Error during partition assignment"))
    assert is_broker_failure(KafkaException(KafkaError(KafkaError._TIMED_OUT)))


def test_our_own_errors_are_not_retried_by_restarting():
    assert not is_broker_failure(ValueError("a bug of ours"))
    assert not is_broker_failure(RuntimeError("boom"))
