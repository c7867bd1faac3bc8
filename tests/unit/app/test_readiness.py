"""app/readiness.py and the /ready page: ready only with partitions, recovered state and the control topic read."""

from __future__ import annotations

import orjson

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
                                                          "state_recovered": True, "control_read": True}))
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
