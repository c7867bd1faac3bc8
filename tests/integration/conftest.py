"""Every worker test runs once per stream engine: both must hold the same guarantees."""

from __future__ import annotations

import pytest

ENGINES = ("quix", "faust")


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)
