"""Docstring examples run as tests (`--doctest-modules` over the packages, in the unit tier).

A doctest compares everything printed, and structlog prints to stdout until an entry point configures it;
so an example's own logs are silenced, leaving only what the example shows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import structlog
from _pytest.doctest import DoctestItem

# Alembic's migration scripts run only inside Alembic (they read its `context` at import): not test modules.
collect_ignore_glob = ["service/migrations/*"]


@pytest.fixture(autouse=True)
def _quiet_logs_in_doctests(request: pytest.FixtureRequest) -> Iterator[None]:
    if not isinstance(request.node, DoctestItem):
        yield
        return
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    yield
    structlog.reset_defaults()
