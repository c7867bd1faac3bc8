"""The in-process pipeline (objects between stages, state kept decoded) decides exactly as the encoded one,
which is what every engine runs: same decisions, alerts, blocks, dead letters and state bytes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from agents.local import Collected, LocalPipeline
from app.backtest import strategies, strategy_source
from app.settings import Settings
from sim.config import SimConfig
from sim.engine import simulate

TOPICS = {"transaction": "transactions", "account_event": "account-events", "label": "fraud-labels"}


@pytest.fixture(scope="module")
def records() -> list[tuple[str, bytes | None, bytes]]:
    feeds: list[tuple[str, bytes | None, bytes]] = [
        (TOPICS[r.kind], r.key.encode(), orjson.dumps(r.value))
        for r in simulate(SimConfig(seed=5, customers=300, days=4, fraud_rate=0.05))]
    first_tx = next(value for topic, _, value in feeds if topic == "transactions")
    # bad input, a copy of a transaction keyed by something else (the re-key hop, then a duplicate id), and
    # a transaction under a key other than its account's
    other = {**orjson.loads(first_tx), "transaction_id": "rekeyed-1"}
    middle = len(feeds) // 2
    feeds[middle:middle] = [("transactions", b"k", b"{not json"), ("transactions", b"someone-else", first_tx),
                      ("transactions", b"someone-else", orjson.dumps(other))]
    return feeds


def _run(records: list[tuple[str, bytes | None, bytes]], **options: Any) -> tuple[Collected, dict[str, Any]]:
    settings = Settings()
    text = strategies.from_file(settings.ruleset_path)
    pipeline = LocalPipeline(strategy_source(text, settings), stage=settings.stage_config(), **options)
    out = pipeline.run(records)
    return out, {name: {key: _untimed(raw) for key, raw in table.items()} for name, table in pipeline.tables.items()}


def _untimed(raw: bytes) -> bytes:
    """State bytes with each remembered transaction's stage time (wall clock) zeroed; the rest as stored."""
    state = orjson.loads(raw)
    for entry in state.get("seen", ()):
        entry[-1] = 0
    return orjson.dumps(state)


def _comparable(out: Collected) -> dict[str, list[Any]]:
    """Stage timings are wall-clock measurements; dead letters carry the envelope, timings included."""
    return {"decisions": [{k: v for k, v in d.items() if k != "timings_ms"} for d in out.decisions],
            "alerts": out.alerts, "blocks": out.blocks,
            "dead_letters": [(d["error"], d["source_topic"], d["offset"], d["key_b64"]) for d in out.dead_letters]}


@pytest.mark.parametrize("state_cache", [4096, 3])  # every entity live, and most of them evicted to bytes
def test_in_process_pipeline_equals_the_encoded_one(records, state_cache):
    encoded, encoded_tables = _run(records, in_process=False)
    direct, direct_tables = _run(records, state_cache=state_cache)
    assert len(encoded.decisions) > 300 and encoded.alerts and encoded.dead_letters
    assert orjson.dumps(_comparable(direct)) == orjson.dumps(_comparable(encoded))
    assert direct_tables == encoded_tables and len(direct_tables["account"]) > 100  # the durable format
    assert {d["error"]["code"] for d in direct.dead_letters} >= {"invalid_json", "duplicate_transaction_id"}
