import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import cli
from service import keys
from service.exceptions import NotFound, QueryInvalid, Unauthenticated
from service.scope import Scope
from service.store.api_keys import KeyCache, authenticate, create_key, list_keys, revoke_key
from service.store.models import ApiKeyRow


def test_a_key_verifies_and_only_its_hash_is_stored(engine):
    plaintext = create_key(engine, "case-tool", "44/4401", now_ms=1)
    principal = authenticate(engine, plaintext)
    assert principal.scope == Scope("44/4401") and principal.name == "case-tool"
    with engine.connect() as connection:
        stored = connection.execute(select(ApiKeyRow)).one()
    _, secret = keys.split(plaintext)
    assert secret not in str(tuple(stored)) and stored.secret_sha256 == keys.digest(secret)


@pytest.mark.parametrize("presented", [None, "", "nonsense", "fsk_000000000000_" + "A" * 43])
def test_missing_malformed_or_unknown_keys_are_refused(engine, presented):
    create_key(engine, "case-tool", "44", now_ms=1)
    with pytest.raises(Unauthenticated):
        authenticate(engine, presented)


def test_a_key_with_a_wrong_secret_is_refused(engine):
    plaintext = create_key(engine, "case-tool", "44", now_ms=1)
    key_id, _secret = keys.split(plaintext)
    with pytest.raises(Unauthenticated):
        authenticate(engine, f"fsk_{key_id}_{'B' * 43}")


def test_a_revoked_key_is_refused(engine):
    plaintext = create_key(engine, "case-tool", "44", now_ms=1)
    key_id, _ = keys.split(plaintext)
    revoke_key(engine, key_id, now_ms=2)
    with pytest.raises(Unauthenticated):
        authenticate(engine, plaintext)
    with pytest.raises(NotFound):
        revoke_key(engine, key_id, now_ms=3)
    assert list_keys(engine)[0].revoked_at_ms == 2


def test_a_key_needs_a_valid_scope(engine):
    with pytest.raises(QueryInvalid):
        create_key(engine, "x", "44/../45", now_ms=1)


def test_create_key_prints_the_key_once_and_it_authenticates(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = CliRunner().invoke(cli, ["service", "create-key", "--name", "analyst", "--scope", "44/4401",
                                      "--store-url", url])
    assert result.exit_code == 0, result.output
    plaintext = result.stdout.splitlines()[0]
    from service.store.engine import open_engine

    assert authenticate(open_engine(url), plaintext).scope == Scope("44/4401")


def test_the_key_cache_trusts_a_verified_key_for_its_ttl_only():
    now = [100.0]
    cache = KeyCache(ttl_s=5, clock=lambda: now[0])
    principal = keys.Principal("k1", "case-tool", Scope("44"))
    assert cache.get("fsk_a") is None
    cache.put("fsk_a", principal)
    assert cache.get("fsk_a") == principal and cache.get("fsk_b") is None and cache.get(None) is None
    assert "fsk_a" not in str(cache._entries)  # only a digest of the key is kept
    now[0] += 5.1
    assert cache.get("fsk_a") is None  # aged out: the next request reads the store (and sees a revocation)
    off = KeyCache(ttl_s=0)
    off.put("fsk_a", principal)
    assert off.get("fsk_a") is None


def test_a_revoked_key_is_refused_by_the_api_once_its_cache_entry_ages_out(engine):
    from fastapi.testclient import TestClient

    from app.settings import Settings
    from service.app import create_app

    plaintext = create_key(engine, "case-tool", "*", now_ms=1)
    app = create_app(Settings(sink_enabled=False, api_key_cache_s=60), engine=engine)
    with TestClient(app) as client:
        assert client.get("/v1/versions", headers={"X-API-Key": plaintext}).status_code == 200
        revoke_key(engine, keys.split(plaintext)[0], now_ms=2)
        assert client.get("/v1/versions", headers={"X-API-Key": plaintext}).status_code == 200  # cached
        app.state.key_cache.ttl_s = 0
        assert client.get("/v1/versions", headers={"X-API-Key": plaintext}).status_code == 401
