"""Idempotency reads of the store, batched: every new transaction must be looked up once (a retry that this
replica never saw may already be stored), so at a few hundred requests a second the lookups, not the answers,
would fill the thread pool. Requests arriving while a read is in flight share the next one: one thread hop
and one `IN (...)` query per batch, however many requests wait.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from service.store import queries

Found = tuple[str, str]  # (branch path, record)


class StoredDecisions:
    def __init__(self) -> None:
        self._waiting: dict[str, list[asyncio.Future[Found | None]]] = {}
        self._reading: asyncio.Task[None] | None = None
        self.reads = 0  # store queries made (a test and the bench read it)

    async def get(self, engine: Engine, transaction_id: str) -> Found | None:
        """The stored decision's branch and record, or None."""
        future: asyncio.Future[Found | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(transaction_id, []).append(future)
        if self._reading is None or self._reading.done():
            self._reading = asyncio.create_task(self._drain(engine), name="stored-decisions")
        return await future

    async def _drain(self, engine: Engine) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, {}
            self.reads += 1
            try:
                found = await run_in_threadpool(_read, engine, list(batch))
            except Exception as err:  # every request of the batch answers the store's failure
                for futures in batch.values():
                    for future in futures:
                        if not future.done():
                            future.set_exception(err)
                continue
            for transaction_id, futures in batch.items():
                for future in futures:
                    if not future.done():  # a request whose client went away was cancelled
                        future.set_result(found.get(transaction_id))


def _read(engine: Engine, transaction_ids: list[str]) -> dict[str, Found]:
    with engine.connect() as connection:
        return queries.decisions_by_id(connection, transaction_ids)
