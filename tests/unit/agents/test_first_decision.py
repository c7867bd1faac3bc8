"""A transaction's first decision is the only one that reaches the outputs, whatever a redo sends later."""

from __future__ import annotations

import copy

import orjson
import pytest

from agents.first_decision import FirstDecisionConfig, FirstDecisions, Recorded
from agents.handlers import Counters, ScoreHandler, Source
from agents.local import LocalPipeline
from agents.topology import TopicNames
from app.control.holder import StrategyHolder
from app.settings import Settings
from risk.facts import facts_from
from schemas import Transaction
from tables.codec import sub_key
from tests.unit.agents.test_handlers import tx

NAMES = TopicNames.with_prefix("")


def outputs(n: int) -> Recorded:
    return Recorded({"transaction_id": f"t{n}", "score": 0.1 * n}, None, [], n, f"transactions:0:{n}")


def test_a_recorded_decision_is_found_by_its_transaction_id():
    table: dict[bytes, bytes] = {}
    record = FirstDecisions(table, FirstDecisionConfig())
    record.record(b"acc1", "t1", 1_000, outputs(1))
    record.record(b"acc1", "t2", 2_000, outputs(2))
    assert record.find(b"acc1", "t1") == outputs(1) and record.find(b"acc1", "t2") == outputs(2)
    assert record.find(b"acc1", "t3") is None and record.find(b"acc2", "t1") is None


def test_each_transaction_is_its_own_value_so_a_write_does_not_grow_with_the_account():
    table: dict[bytes, bytes] = {}
    record = FirstDecisions(table, FirstDecisionConfig())
    for n in range(50):
        record.record(b"acc1", f"t{n}", n, outputs(n))
    assert table[sub_key(b"acc1", b"t7")] == outputs(7).encode()
    assert len(table[b"acc1"]) < 50 * 20  # the index holds ids and times, not outputs


def test_decisions_older_than_the_horizon_and_beyond_capacity_are_forgotten_and_deleted():
    table: dict[bytes, bytes] = {}
    record = FirstDecisions(table, FirstDecisionConfig(horizon_ms=10_000, capacity=3))
    for n in range(5):
        record.record(b"acc1", f"t{n}", n * 1_000, outputs(n))
    assert [entry[0] for entry in orjson.loads(table[b"acc1"])["i"]] == ["t2", "t3", "t4"]
    record.record(b"acc1", "late", 20_000, outputs(9))
    assert [entry[0] for entry in orjson.loads(table[b"acc1"])["i"]] == ["late"]
    assert set(table) == {b"acc1", sub_key(b"acc1", b"late")}
    assert record.find(b"acc1", "t4") is None


def test_a_record_in_the_layout_before_per_transaction_keys_is_still_found_and_moved():
    old = outputs(1)
    table = {b"acc1": orjson.dumps({"d": [["t1", 1_000, old.decision, old.alert, old.blocks, old.ingest_ms,
                                                old.source_tag]]})}
    record = FirstDecisions(table, FirstDecisionConfig())
    assert record.find(b"acc1", "t1") == old
    record.record(b"acc1", "t2", 2_000, outputs(2))
    assert "d" not in orjson.loads(table[b"acc1"])
    assert record.find(b"acc1", "t1") == old and record.find(b"acc1", "t2") == outputs(2)


class ListEmitter:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []

    def send(self, topic: str, key: bytes, value: bytes, headers: dict[str, bytes] | None = None) -> None:
        self.sent.append((topic, key, value))


@pytest.fixture(scope="module")
def score_envelope() -> dict:
    """What the score stage really receives for one transaction: its facts and every feature."""
    holder = StrategyHolder.from_files(Settings())
    decision = LocalPipeline(holder.current).run([("transactions", b"acc1", orjson.dumps(tx(1)))]).decisions[0]
    facts = facts_from(Transaction.model_validate(tx(1)))
    return {"k": "tx", "tx": facts.to_dict(), "f": decision["features"], "t": {}, "tag": "transactions:0:0",
            "late": False, "in": 1}


def _redo(env: dict) -> dict:
    """A copy of the envelope an upstream redo sends: the same transaction on other features."""
    redo = copy.deepcopy(env)
    redo["f"] = {name: (value + 1 if isinstance(value, int | float) and not isinstance(value, bool) else value)
                 for name, value in env["f"].items()}
    redo["tag"], redo["in"] = "transactions:0:0", 2
    return redo


def _score(score_envelope: dict, table: dict | None) -> tuple[list[bytes], Counters]:
    emitter, counters = ListEmitter(), Counters()
    holder = StrategyHolder.from_files(Settings())
    handler = ScoreHandler(emitter, NAMES, counters, holder.current, decided=table)
    for offset, env in enumerate([score_envelope, _redo(score_envelope)]):
        handler.on_batch([Source(NAMES.score_stage, 0, offset, b"acc1", orjson.dumps(env))])
    return [value for topic, _, value in emitter.sent if topic == NAMES.decisions], counters


def test_a_redone_transaction_gets_its_first_decision_byte_for_byte(score_envelope):
    decisions, counters = _score(score_envelope, {})
    assert len(decisions) == 2 and decisions[0] == decisions[1]
    assert counters.counts["decisions.repeated"] == 1


def test_without_the_record_a_redo_would_be_decided_on_its_own_features(score_envelope):
    decisions, counters = _score(score_envelope, None)
    assert decisions[0] != decisions[1]
    assert counters.counts["decisions.repeated"] == 0


def test_two_copies_in_one_batch_are_answered_with_the_first(score_envelope):
    emitter, counters = ListEmitter(), Counters()
    handler = ScoreHandler(emitter, NAMES, counters, StrategyHolder.from_files(Settings()).current, decided={})
    handler.on_batch([Source(NAMES.score_stage, 0, 0, b"acc1", orjson.dumps(score_envelope)),
                      Source(NAMES.score_stage, 0, 1, b"acc1", orjson.dumps(_redo(score_envelope)))])
    decisions = [value for topic, _, value in emitter.sent if topic == NAMES.decisions]
    assert len(decisions) == 2 and decisions[0] == decisions[1]
