"""Real pipeline output for the service's tests: simulated traffic through `LocalPipeline` (the workers' own
handlers), across two provinces, so scope tests have something on each side."""

from __future__ import annotations

import functools
from typing import Any

from agents.local import LocalPipeline
from app.control.holder import StrategyHolder
from app.settings import Settings
from schemas.alert import Alert
from schemas.block_command import BlockCommand
from schemas.decision import Decision
from service.store.rows import Batch
from tests.integration.traffic import encode, transaction

ACCOUNTS = 8
COUNT = 120
OTHER_PROVINCE = {"province": "45", "city": "4501", "county": "450102"}  # accounts acc0006 and acc0007


def _doc(n: int) -> dict[str, Any]:
    overrides: dict[str, Any] = {"amount": "60000.00"} if n % 5 == 0 else {}
    if n % ACCOUNTS >= 6:
        overrides["branch"] = OTHER_PROVINCE
    return transaction(n, accounts=ACCOUNTS, **overrides)


@functools.cache
def pipeline_output() -> dict[str, list[dict[str, Any]]]:
    """Computed once per process: event times are near the wall clock, so every caller sees the same run."""
    out = LocalPipeline(StrategyHolder.from_files(Settings()).current).run(
        [("transactions", *encode(_doc(n))) for n in range(COUNT)])
    return {"decisions": out.decisions, "alerts": out.alerts, "blocks": out.blocks}


def batch() -> Batch:
    out = pipeline_output()
    return Batch([Decision.model_validate(d) for d in out["decisions"]],
                 [Alert.model_validate(a) for a in out["alerts"]],
                 [BlockCommand.model_validate(b) for b in out["blocks"]])
