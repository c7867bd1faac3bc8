"""Every worker test runs once per stream engine, every store test once per store: each holds the same guarantees."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

ENGINES = ("quix", "faust")


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server for the session (temp data dir, free port); `make test` installs it when missing.
    Without one the tests fail with the reason: they are never skipped."""
    from service import localpg

    try:
        handle = localpg.start()
    except localpg.LocalPostgresError as err:
        pytest.fail(f"no PostgreSQL for the store tests: {err}", pytrace=False)
    try:
        yield handle.url
    finally:
        localpg.stop(handle)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """Each store test runs on the embedded default (SQLite) and on the production store (PostgreSQL), each on
    an empty store."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    yield request.getfixturevalue("postgres_store")


@pytest.fixture
def postgres_store(postgres_url: str) -> Iterator[str]:
    """The session's PostgreSQL server as an empty store, emptied again afterwards: every test that writes to
    it shares the server, and a row one test left (same transaction ids) would be kept by the next one's
    upsert instead of its own."""
    _empty(postgres_url)
    yield postgres_url
    _empty(postgres_url)


def _empty(url: str) -> None:
    """Drop every table, migrations included."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
