"""API keys in the store: create (returns the plaintext once), verify, list, revoke."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update

from service import keys
from service.exceptions import NotFound, QueryInvalid, Unauthenticated
from service.scope import Scope
from service.store.models import ApiKeyRow


@dataclass(frozen=True)
class KeyInfo:
    key_id: str
    name: str
    scope: str
    created_at_ms: int
    revoked_at_ms: int | None


def create_key(engine: Engine, name: str, scope: str, now_ms: int) -> str:
    """Store a new key under `scope` and return its plaintext: the only time it exists outside the caller."""
    checked = Scope.parse(scope)
    if not name.strip() or len(name) > 128:
        raise QueryInvalid("a key needs a name of 1-128 characters")
    new = keys.generate()
    with engine.begin() as connection:
        connection.execute(insert(ApiKeyRow).values(
            key_id=new.key_id, name=name.strip(), scope=str(checked), secret_sha256=new.secret_sha256,
            created_at_ms=now_ms, revoked_at_ms=None))
    return new.plaintext


def authenticate(engine: Engine, plaintext: str | None) -> keys.Principal:
    parts = keys.split(plaintext or "")
    if parts is None:
        raise Unauthenticated("send an API key in the X-API-Key header (fsk_…; `fraudstream service create-key`)")
    key_id, secret = parts
    with engine.connect() as connection:
        row = connection.execute(select(ApiKeyRow).where(ApiKeyRow.key_id == key_id)).first()
    if row is None or row.revoked_at_ms is not None or not keys.matches(secret, row.secret_sha256):
        raise Unauthenticated("API key unknown or revoked")
    return keys.Principal(row.key_id, row.name, Scope.parse(row.scope))


class KeyCache:
    """Keys verified in the last `ttl_s`, by the SHA-256 of the whole key (the key itself is not kept): a hit
    authenticates a request without a store read or a thread hop. Only successes are kept, so a wrong key
    always reads the store; a revoked key is refused once its entry ages out."""

    def __init__(self, ttl_s: float, capacity: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s, self.capacity, self.clock = ttl_s, capacity, clock
        self._entries: dict[str, tuple[keys.Principal, float]] = {}

    def get(self, plaintext: str | None) -> keys.Principal | None:
        if not plaintext or self.ttl_s <= 0:
            return None
        found = self._entries.get(keys.digest(plaintext))
        if found is None or self.clock() - found[1] > self.ttl_s:
            return None
        return found[0]

    def put(self, plaintext: str, principal: keys.Principal) -> None:
        if self.ttl_s <= 0:
            return
        if len(self._entries) >= self.capacity:
            self._entries.clear()  # many distinct keys at once: start afresh rather than track ages
        self._entries[keys.digest(plaintext)] = (principal, self.clock())


def list_keys(engine: Engine) -> list[KeyInfo]:
    with engine.connect() as connection:
        rows = connection.execute(select(ApiKeyRow).order_by(ApiKeyRow.created_at_ms)).all()
    return [KeyInfo(r.key_id, r.name, r.scope, r.created_at_ms, r.revoked_at_ms) for r in rows]


def revoke_key(engine: Engine, key_id: str, now_ms: int) -> None:
    with engine.begin() as connection:
        done = connection.execute(update(ApiKeyRow).where(ApiKeyRow.key_id == key_id,
                                                          ApiKeyRow.revoked_at_ms.is_(None))
                                  .values(revoked_at_ms=now_ms)).rowcount
    if not done:
        raise NotFound(f"no active key {key_id}")
