"""app/readiness.py and the /ready page: ready only with partitions, recovered state and the control topic read."""

from __future__ import annotations

import orjson

from agents.parking import Parking
from app.readiness import AckedPositions, Assignment, Readiness
from app.web import ready_reply


def test_assignment_follows_incremental_assign_and_revoke():
    assignment = Assignment()
    assignment.assigned([("tx", 0), ("tx", 1)])
    assignment.revoked([("tx", 0)])
    assignment.assigned([("dev", 2)])
    assert assignment.current() == {("tx", 1), ("dev", 2)}


def test_ready_needs_every_check():
    assignment = Assignment()
    state = {"recovered": True, "control": True}
    readiness = Readiness(assignment, lambda: state["recovered"], lambda: state["control"])
    assert ready_reply(readiness)[0] == 503  # no partitions yet
    assignment.assigned([("tx", 0)])
    assert ready_reply(readiness) == (200, orjson.dumps({"ready": True, "partitions_assigned": True,
                                                          "state_recovered": True, "control_read": True,
                                                          "no_partition_parked": True, "parked": []}))
    state["control"] = False
    status, body = ready_reply(readiness)
    assert status == 503 and orjson.loads(body)["control_read"] is False
    state["control"], state["recovered"] = True, False
    assert not readiness.ready()


def test_acked_positions_keep_the_highest_next_offset():
    positions = AckedPositions()
    positions.acked("tx", 0, 7)
    positions.acked("tx", 0, 3)  # a redelivery after a rebalance never moves the position back
    assert positions.snapshot() == {("tx", 0): 8}


def test_a_parked_partition_makes_the_worker_unready_and_is_named():
    assignment = Assignment()
    assignment.assigned([("fs-stage-score", 1)])
    parking = Parking(retry_s=30.0)
    readiness = Readiness(assignment, lambda: True, lambda: True, parking.snapshot)
    assert ready_reply(readiness)[0] == 200
    parking.refused("fs-stage-score", 1, 42, "MSG_SIZE_TOO_LARGE", "Broker: Message size too large")
    status, body = ready_reply(readiness)
    reply = orjson.loads(body)
    assert status == 503 and reply["no_partition_parked"] is False
    [parked] = reply["parked"]
    assert {k: parked[k] for k in ("topic", "partition", "offset", "code", "attempts", "retrying")} == {
        "topic": "fs-stage-score", "partition": 1, "offset": 42, "code": "MSG_SIZE_TOO_LARGE", "attempts": 0,
        "retrying": False}
    assert 29 < parked["retry_in_s"] <= 30
