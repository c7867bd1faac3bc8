"""POST /v1/decisions: the e-banking front end asks "may this go ahead?" and gets the pipeline's decision.

The service never scores. A request is authenticated (API key), validated exactly as the worker validates
(`risk.validation.validate`, so a 4xx carries the dead-letter topic's code and nothing is published), checked
against the key's branch scope, then answered from, in order:
1. a decision this replica already saw (`Replies.recent`) or the store has: a retry publishes nothing;
2. a request for the same transaction id already waiting here: the retry waits on the same future;
3. otherwise the original bytes are published to `transactions`, keyed by account, and the request waits for
   the decision on `risk-decisions` (`service.decide.replies`) until its channel's deadline, then answers
   the channel's fallback (`fallback: true`). The real decision still arrives and the sink stores it.

Several replicas: each reads every decision, so any replica can wait for any transaction. A retry that
reaches another replica before the first decision is stored is published a second time; the pipeline's
account stage drops the repeated id (same account key, same partition, its dedupe ring), so it is never
decided twice, and the waiting replica still receives the first decision. Routing retries by transaction id
(sticky load balancing) avoids even that second record.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import Engine

from app.settings import ChannelDeadline, Settings
from app.topics import ensure_topics
from risk.validation import Rejection, validate
from schemas import Transaction
from service.api.deps import API_KEY_HEADER, caller_of
from service.decide.exceptions import PublishFailed
from service.decide.metrics import ServiceMetrics
from service.decide.replies import Publisher, Replies
from service.decide.stored import StoredDecisions
from service.exceptions import OutOfScope
from service.keys import Principal
from service.store.rows import record

log = structlog.get_logger(__name__)

router = APIRouter(tags=["in-event decision"])
API_KEY_SCHEME = "APIKeyHeader"  # the query API's scheme (service.api.deps), named in the OpenAPI document
UNNAMED_CHANNEL = ChannelDeadline(deadline_ms=300, fallback="CHALLENGE")
FALLBACK_REASON = "DECISION_DEADLINE_FALLBACK"


def deadline_for(settings: Settings, channel: str) -> ChannelDeadline:
    return settings.decision_deadlines.get(channel, UNNAMED_CHANNEL)


def rejection_status(rejection: Rejection) -> int:
    return 413 if rejection.code == "oversize" else 422


def fallback_answer(transaction: Transaction, rule: ChannelDeadline) -> dict[str, Any]:
    return {"transaction_id": transaction.transaction_id, "account_id": transaction.account_id,
            "action": rule.fallback, "fallback": True, "reason_codes": [FALLBACK_REASON],
            "deadline_ms": rule.deadline_ms}


class Decider:
    """The per-process parts: publisher, reply matcher, metrics."""

    def __init__(self, settings: Settings, metrics: ServiceMetrics) -> None:
        self.settings, self.metrics = settings, metrics
        self.replies = Replies(settings.bootstrap_servers, settings.topic("risk-decisions"),
                               settings.decision_replay_cache, fetch_wait_ms=settings.fetch_max_wait_ms)
        self.publisher = Publisher(settings.bootstrap_servers, settings.topic("transactions"))
        self.stored = StoredDecisions()

    async def start(self) -> None:
        await ensure_topics(self.settings)
        await self.publisher.start()
        try:
            await self.replies.start(await self.publisher.partitions(self.settings.topic("risk-decisions")))
        except BaseException:
            await self.publisher.stop()
            raise

    async def stop(self) -> None:
        await self.replies.stop()
        await self.publisher.stop()

    async def decide(self, raw: bytes, transaction: Transaction, engine: Engine, caller: Principal,
                     started: float) -> tuple[str, dict[str, Any]]:
        """(outcome, answer); outcome is decided, fallback or replayed."""
        transaction_id = transaction.transaction_id
        known = self.replies.recent.get(transaction_id) or await self._stored(engine, transaction_id, caller)
        if known is not None:
            return "replayed", {**known, "fallback": False, "replayed": True}
        future, first = self.replies.waiter(transaction_id)
        rule = deadline_for(self.settings, transaction.channel.value)
        deadline = started + rule.deadline_ms / 1000
        if first:
            publishing = asyncio.ensure_future(self.publisher.publish(transaction.account_id.encode(), raw))
            try:  # the deadline holds the publish too: a slow broker gets the fallback, not a late answer
                await asyncio.wait_for(asyncio.shield(publishing), timeout=max(deadline - time.perf_counter(), 0))
            except TimeoutError:
                publishing.add_done_callback(lambda done: self._published_late(transaction_id, done))
                self.metrics.pending.set(len(self.replies.pending))
                return "fallback", fallback_answer(transaction, rule)
            except Exception as err:
                self.replies.forget(transaction_id)
                raise PublishFailed(f"transaction {transaction_id} was not published: {type(err).__name__}") from err
        self.metrics.pending.set(len(self.replies.pending))
        try:
            decision = await asyncio.wait_for(asyncio.shield(future), timeout=max(deadline - time.perf_counter(), 0))
        except TimeoutError:
            return "fallback", fallback_answer(transaction, rule)
        return ("decided" if first else "replayed"), {**decision, "fallback": False, "replayed": not first}

    def _published_late(self, transaction_id: str, publishing: asyncio.Future[None]) -> None:
        """A publish still under way at the deadline was answered with the fallback. If the broker then refuses
        it, no decision will come: stop waiting, so a retry publishes again, and say so loudly."""
        error = publishing.exception() if not publishing.cancelled() else None
        if publishing.cancelled() or error is not None:
            self.replies.forget(transaction_id)
            self.metrics.rejected.labels("publish_failed_after_fallback").inc()
            log.error("decide.publish_failed_after_fallback", transaction_id=transaction_id, error=repr(error))

    async def _stored(self, engine: Engine, transaction_id: str, caller: Principal) -> dict[str, Any] | None:
        found = await self.stored.get(engine, transaction_id)
        if found is None:
            return None
        branch_path, stored = found
        if not caller.scope.covers(branch_path):
            raise OutOfScope(f"transaction {transaction_id} is in branch {branch_path}, outside scope {caller.scope}")
        return record(stored)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    decider = Decider(app.state.settings, app.state.metrics)
    await decider.start()
    app.state.decider = decider
    app.state.ready_checks["decision_replies"] = decider.replies.ready
    try:
        yield
    finally:
        await decider.stop()


def _rejected(metrics: ServiceMetrics, rejection: Rejection) -> JSONResponse:
    metrics.rejected.labels(rejection.code).inc()
    return JSONResponse(status_code=rejection_status(rejection), content={"error": {
        "code": rejection.code, "message": rejection.message, "fields": rejection.fields}})


@router.post("/v1/decisions", openapi_extra={"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/Transaction"}}}},
    "security": [{API_KEY_SCHEME: []}]},
    responses={200: {"description": "the pipeline's Decision (plus `fallback` and `replayed`), or the channel's "
                                    "fallback when the deadline passed"},
               413: {"description": "oversize (dead-letter code)"},
               503: {"description": "publish_failed: the broker did not take the transaction; retry"},
               422: {"description": "invalid input, with the dead-letter topic's code"}})
async def post_decision(request: Request) -> Response:
    """Publish the transaction and answer its decision within the channel's deadline (idempotent by id).

    The hot path takes no FastAPI dependencies (their resolution was a third of its CPU): it reads the key
    itself, through the same cache and check as every other endpoint."""
    started = time.perf_counter()
    caller = await caller_of(request, request.headers.get(API_KEY_HEADER))
    engine: Engine = request.app.state.store
    decider: Decider = request.app.state.decider
    settings, metrics = decider.settings, decider.metrics
    raw = await request.body()
    result = validate(raw, Transaction, max_bytes=settings.max_message_bytes, now_ms=int(time.time() * 1000),
                      bounds=settings.limits().bounds)
    if isinstance(result, Rejection):
        return _rejected(metrics, result)
    transaction = result.message
    if not caller.scope.covers(transaction.branch.path):
        metrics.rejected.labels(OutOfScope.code).inc()
        raise OutOfScope(f"branch {transaction.branch.path} is outside this key's scope {caller.scope}")
    outcome, answer = await decider.decide(raw, transaction, engine, caller, started)
    channel = transaction.channel.value
    metrics.answers.labels(channel, outcome).inc()
    if outcome == "fallback":
        metrics.fallbacks.labels(channel, answer["action"]).inc()
    metrics.latency.labels(channel, outcome).observe(time.perf_counter() - started)
    return Response(orjson.dumps(answer), media_type="application/json")


@router.get("/metrics", tags=["operations"], response_class=Response)
def metrics_page(request: Request) -> Response:
    """Prometheus text format: API latency, answers by outcome, fallbacks, refusals."""
    return Response(content=request.app.state.metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def install(app: FastAPI) -> None:
    """Per-process state, and the Transaction schema in the OpenAPI document (the body is read raw, so that
    bad input is answered with the dead-letter codes rather than FastAPI's own)."""
    app.state.metrics = ServiceMetrics()
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()
        schema = Transaction.model_json_schema(ref_template="#/components/schemas/{model}")
        components = document.setdefault("components", {}).setdefault("schemas", {})
        components.update(schema.pop("$defs", {}))
        components["Transaction"] = schema
        return document

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI documents overriding app.openapi
