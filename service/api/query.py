"""The risk query API: decisions, alerts, entity profiles, active blocks and versions, all within the caller's
branch scope. Reads only; every endpoint is a sync function, so FastAPI runs it on its thread pool."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from schemas.block_command import BlockAction
from schemas.decision import Decision
from service.api.deps import Caller, Listed, Store
from service.store import queries

router = APIRouter(prefix="/v1", tags=["risk query"])
EntityId = Annotated[str, Path(pattern=r"^[0-9A-Za-z_.:@-]{1,64}$")]


class PageOut(BaseModel):
    items: list[dict[str, Any]] = Field(description="newest first; decisions without their feature snapshot")
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


def _page(page: queries.Page) -> PageOut:
    return PageOut(items=page.items, next_cursor=page.next_cursor)


def _now_ms() -> int:
    return int(time.time() * 1000)


@router.get("/decisions/{transaction_id}", response_model=Decision)
def decision(transaction_id: EntityId, caller: Caller, engine: Store) -> dict[str, Any]:
    """The decision for one transaction: action, score, reason codes, rule hits, feature snapshot, versions."""
    with engine.connect() as connection:
        return queries.get_decision(connection, transaction_id, caller.scope)


@router.get("/decisions", response_model=PageOut)
def decisions(listed: Listed, engine: Store) -> PageOut:
    """Decisions in the caller's subtree (or the `branch` asked for), filtered by time, action and rule."""
    with engine.connect() as connection:
        return _page(queries.list_decisions(connection, listed.scope, listed.filters, cursor=listed.cursor,
                                            limit=listed.limit))


@router.get("/alerts", response_model=PageOut)
def alerts(listed: Listed, engine: Store) -> PageOut:
    with engine.connect() as connection:
        return _page(queries.list_alerts(connection, listed.scope, listed.filters, cursor=listed.cursor,
                                         limit=listed.limit))


@router.get("/accounts/{account_id}/decisions", response_model=PageOut)
def account_decisions(account_id: EntityId, listed: Listed, engine: Store) -> PageOut:
    """An account's decisions; 403 when the account's branch lies outside the caller's scope."""
    with engine.connect() as connection:
        queries.authorise_entity(connection, "account", account_id, listed.scope)
        return _page(queries.list_decisions(connection, listed.scope, listed.filters, cursor=listed.cursor,
                                            limit=listed.limit, entity=("account", account_id)))


@router.get("/accounts/{account_id}/alerts", response_model=PageOut)
def account_alerts(account_id: EntityId, listed: Listed, engine: Store) -> PageOut:
    with engine.connect() as connection:
        queries.authorise_entity(connection, "account", account_id, listed.scope)
        return _page(queries.list_alerts(connection, listed.scope, listed.filters, cursor=listed.cursor,
                                         limit=listed.limit, account_id=account_id))


@router.get("/entities/{kind}/{entity_id}/profile")
def profile(kind: Literal["account", "device", "payee"], entity_id: EntityId, caller: Caller,
            engine: Store) -> dict[str, Any]:
    """The entity's current risk profile, from its last decision's feature snapshot (see the README: the
    pipeline's live state is partitioned across workers' RocksDB and not queryable; the snapshot is what the
    state held when the entity last transacted), with its actions over 30 days and its active blocks."""
    with engine.connect() as connection:
        return queries.entity_profile(connection, kind, entity_id, caller.scope, _now_ms())


@router.get("/blocks", response_model=PageOut)
def blocks(listed: Listed, engine: Store,
           block_action: Annotated[BlockAction | None, Query(description="only this block action")] = None,
           target: Annotated[str | None, Query(pattern=r"^[0-9A-Za-z_.:@-]{1,64}$",
                                               description="only blocks on this account/device/payee/transaction")
                             ] = None) -> PageOut:
    """Active (unexpired) block commands, newest first, each with its expiry (null: until lifted)."""
    filters = replace(listed.filters, action=None if block_action is None else str(block_action))
    with engine.connect() as connection:
        return _page(queries.active_blocks(connection, listed.scope, filters, _now_ms(), cursor=listed.cursor,
                                           limit=listed.limit, target_id=target))


@router.get("/versions")
def versions(caller: Caller, engine: Store) -> dict[str, Any]:
    """Active ruleset, policy and model versions, their activations on the control topic, and what decisions
    carried (first/last seen, count). Not branch-specific: any valid key may read it."""
    del caller  # authenticated, not scoped
    with engine.connect() as connection:
        return queries.versions(connection)
