"""What every endpoint needs: the store, the caller (API key → branch scope), the shared query parameters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import APIKeyHeader
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from schemas.common import Action
from service.exceptions import QueryInvalid
from service.keys import Principal
from service.scope import Scope
from service.store.api_keys import KeyCache, authenticate
from service.store.queries import MAX_LIMIT, Cursor, Filters

API_KEY_HEADER = "X-API-Key"
_api_key = APIKeyHeader(name=API_KEY_HEADER, auto_error=False,
                        description="an API key from `fraudstream service create-key`; it carries a branch scope")


async def store(request: Request) -> Engine:
    """async, as every dependency here that does not block: FastAPI runs a plain `def` one on the thread pool
    (a thread hop per request, most of the decision API's CPU before)."""
    return request.app.state.store


Store = Annotated[Engine, Depends(store)]


async def caller_of(request: Request, key: str | None) -> Principal:
    """The caller, from the key cache (no store read) or else from the store on the thread pool."""
    cache: KeyCache | None = getattr(request.app.state, "key_cache", None)
    found = cache.get(key) if cache is not None else None
    if found is None:
        found = await run_in_threadpool(authenticate, request.app.state.store, key)
        if cache is not None and key is not None:
            cache.put(key, found)
    return found


async def principal(request: Request, key: Annotated[str | None, Depends(_api_key)] = None) -> Principal:
    return await caller_of(request, key)


Caller = Annotated[Principal, Depends(principal)]


@dataclass(frozen=True)
class Listing:
    """A listing's filters, its subtree (checked inside the caller's scope: else 403) and its page."""

    scope: Scope
    filters: Filters
    cursor: Cursor | None
    limit: int


def _ms(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise QueryInvalid(f"time {moment.isoformat()} needs a zone, e.g. +08:00 or Z")
    return int(moment.timestamp() * 1000)


async def listing(
    caller: Caller,
    since: Annotated[datetime | None, Query(description="from this time on (inclusive, ISO 8601 with zone)")] = None,
    until: Annotated[datetime | None, Query(description="before this time (exclusive)")] = None,
    branch: Annotated[str | None, Query(description="branch subtree, e.g. 44/4401; must lie in the key's scope",
                                        max_length=80)] = None,
    action: Annotated[Action | None, Query(description="only this action")] = None,
    rule: Annotated[str | None, Query(description="only where this rule fired (shadow hits included)",
                                      pattern=r"^[A-Za-z0-9_.:-]{1,128}$")] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page", max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> Listing:
    return Listing(caller.scope.narrow(branch),
                   Filters(_ms(since), _ms(until), None if action is None else str(action), rule),
                   None if cursor is None else Cursor.decode(cursor), limit)


Listed = Annotated[Listing, Depends(listing)]
