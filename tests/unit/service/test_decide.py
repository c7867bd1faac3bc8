"""service/decide: channel deadlines, refusal statuses, and matching replies to waiting requests (no broker)."""

from __future__ import annotations

import asyncio
import time

import orjson

from app.settings import ChannelDeadline, Settings
from risk.validation import Rejection
from service.decide.api import UNNAMED_CHANNEL, deadline_for, rejection_status
from service.decide.replies import LATE_KEEP_S, Replies


def test_each_channel_has_its_deadline_and_an_unnamed_one_gets_the_cautious_default():
    settings = Settings(decision_deadlines={"mobile": ChannelDeadline(deadline_ms=150, fallback="ALLOW")})
    assert deadline_for(settings, "mobile") == ChannelDeadline(deadline_ms=150, fallback="ALLOW")
    assert deadline_for(settings, "atm") == UNNAMED_CHANNEL
    assert UNNAMED_CHANNEL.fallback == "CHALLENGE"
    assert deadline_for(Settings(), "counter") == ChannelDeadline(deadline_ms=300, fallback="CHALLENGE")


def test_oversize_is_413_and_every_other_refusal_422():
    assert rejection_status(Rejection("oversize", "too big")) == 413
    assert rejection_status(Rejection("wrong_type", "amount")) == 422


def _replies(capacity: int = 2) -> Replies:
    return Replies("127.0.0.1:1", "risk-decisions", capacity)


def test_a_reply_wakes_its_request_and_a_second_request_shares_the_future():
    async def run() -> None:
        replies = _replies()
        future, first = replies.waiter("t1")
        same, again = replies.waiter("t1")
        assert first and not again and same is future
        replies.resolve(orjson.dumps({"transaction_id": "t2", "action": "ALLOW"}))  # nobody waits: ignored
        replies.resolve(orjson.dumps({"transaction_id": "t1", "action": "BLOCK"}))
        assert (await future)["action"] == "BLOCK"
        assert replies.pending == {} and list(replies.recent) == ["t1"]

    asyncio.run(run())


def test_unreadable_replies_are_skipped_and_recent_stays_bounded():
    async def run() -> None:
        replies = _replies(capacity=2)
        replies.resolve(b"{oops")
        replies.resolve(orjson.dumps({"no_id": 1}))
        for n in range(3):
            replies.waiter(f"t{n}")
            replies.resolve(orjson.dumps({"transaction_id": f"t{n}"}))
        assert list(replies.recent) == ["t1", "t2"]

    asyncio.run(run())


def test_unclaimed_waits_expire_and_a_failed_publish_is_forgotten():
    async def run() -> None:
        replies = _replies()
        old, _ = replies.waiter("t-old")
        replies.waiter("t-failed")
        replies.forget("t-failed")
        replies.expire(now=time.monotonic() + LATE_KEEP_S * 10)
        assert old.cancelled() and replies.pending == {}

    asyncio.run(run())


def test_a_failed_publish_answers_publish_failed_and_lets_the_retry_publish(engine):
    import pytest

    from schemas import Transaction
    from service.decide.api import Decider
    from service.decide.exceptions import PublishFailed
    from service.decide.metrics import ServiceMetrics
    from service.keys import Principal
    from service.scope import Scope
    from tests.integration.traffic import transaction

    async def run() -> None:
        decider = Decider(Settings(), ServiceMetrics())

        async def refuse(key: bytes, value: bytes) -> None:
            raise ConnectionError("broker down")

        decider.publisher.publish = refuse  # type: ignore[method-assign]  # a broker that refuses, for this test only
        doc = transaction(1)
        raw = orjson.dumps(doc)
        caller = Principal("k", "bank", Scope(None))
        with pytest.raises(PublishFailed) as failed:
            await decider.decide(raw, Transaction.model_validate_json(raw), engine, caller, time.perf_counter())
        assert (failed.value.status, failed.value.code) == (503, "publish_failed")
        assert decider.replies.pending == {}  # nothing waits: the retry publishes

    asyncio.run(run())


def test_store_lookups_of_concurrent_requests_share_one_read(engine):
    from service.decide.stored import StoredDecisions
    from service.store import writes
    from tests.servicedata import batch

    stored_batch = batch()
    writes.write_batch(engine, stored_batch, now_ms=0)
    known = stored_batch.decisions[0]

    async def run() -> None:
        lookups = StoredDecisions()
        found = await asyncio.gather(*(lookups.get(engine, f"unknown-{n}") for n in range(20)),
                                     lookups.get(engine, known.transaction_id))
        assert found[:20] == [None] * 20
        branch_path, stored = found[20]
        assert branch_path == known.branch_path and orjson.loads(stored)["transaction_id"] == known.transaction_id
        assert lookups.reads <= 2  # the first request's read, then one for all that queued behind it

    asyncio.run(run())


def test_the_reply_reader_skips_decisions_nobody_waits_for_without_parsing_them():
    class Record:
        def __init__(self, headers, value=b"{not json"):
            self._headers, self._value = headers, value

        def headers(self):
            return self._headers

        def error(self):
            return None

        def value(self):
            return self._value

    handed: list[tuple] = []

    class Loop:
        def call_soon_threadsafe(self, callback, *args):
            handed.append(args)

    async def run() -> None:
        replies = _replies()
        replies.waiter("t1")
        replies._match(Record([("fs-source", b"x"), ("fs-tx-id", b"t9")]), Loop())  # unparseable, never parsed
        assert replies.skipped == 1 and handed == []
        body = orjson.dumps({"transaction_id": "t1", "action": "BLOCK"})
        replies._match(Record([("fs-tx-id", b"t1")], body), Loop())
        replies._match(Record(None, orjson.dumps({"transaction_id": "t2"})), Loop())  # no header: parsed on the loop
        assert handed == [("t1", body), (None, orjson.dumps({"transaction_id": "t2"}))]
        for args in handed:
            replies.deliver(*args)
        assert replies.pending == {} and list(replies.recent) == ["t1"]

    asyncio.run(run())


def test_a_publish_slower_than_the_deadline_answers_the_fallback_in_time_and_a_late_refusal_is_forgotten(engine):
    from schemas import Transaction
    from service.decide.api import Decider
    from service.decide.metrics import ServiceMetrics
    from service.keys import Principal
    from service.scope import Scope
    from tests.integration.traffic import transaction

    async def run() -> None:
        settings = Settings(decision_deadlines={"mobile": ChannelDeadline(deadline_ms=50, fallback="CHALLENGE")})
        decider = Decider(settings, ServiceMetrics())
        broker_answers: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        async def slow(key: bytes, value: bytes) -> None:
            await broker_answers

        decider.publisher.publish = slow  # type: ignore[method-assign]  # a broker slower than the deadline
        doc = {**transaction(1), "channel": "mobile"}
        raw = orjson.dumps(doc)
        started = time.perf_counter()
        outcome, answer = await asyncio.wait_for(decider.decide(  # without the bound, this waits for the broker
            raw, Transaction.model_validate_json(raw), engine, Principal("k", "bank", Scope(None)), started), 5)
        assert (outcome, answer["action"], answer["fallback"]) == ("fallback", "CHALLENGE", True)
        assert time.perf_counter() - started < 1.0  # the deadline, not the broker, ended the request
        assert doc["transaction_id"] in decider.replies.pending  # a publish that lands still gets its decision
        broker_answers.set_exception(ConnectionError("refused after the deadline"))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert decider.replies.pending == {}  # no decision will come: a retry publishes again
        assert decider.metrics.rejected.labels("publish_failed_after_fallback")._value.get() == 1

    asyncio.run(run())
