"""A migrated SQLite store per test (a file in tmp_path, as the service's default is a file)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from service.store.engine import migrate, open_engine


@pytest.fixture
def engine(tmp_path) -> Iterator[Engine]:
    store = open_engine(f"sqlite:///{tmp_path / 'store.db'}")
    migrate(store)
    yield store
    store.dispose()
