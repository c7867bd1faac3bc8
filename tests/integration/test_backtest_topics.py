"""`backtest --from-topics` on a real broker: the input topics are streamed (merged by timestamp as they are
read), every pass reads the same records however the topics grow, and it decides what a file of the same
records decides."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from app.backtest import decide_all, from_sim_records, from_topics, strategies, strategy_source
from app.settings import Settings
from app.simulate import publish_records
from sim import SimConfig, simulate
from tests.conftest import record_traffic

RECORDS = list(simulate(SimConfig(seed=17, customers=150, days=1.5, fraud_rate=0.05)))


def _decisions(history: Any) -> dict[str, dict[str, Any]]:
    settings = Settings()
    source = strategy_source(strategies.from_file(settings.ruleset_path), settings)
    decided = asyncio.run(decide_all(source, history, stage=settings.stage_config()))
    return {d["transaction_id"]: {k: v for k, v in d.items() if k != "timings_ms"} for d in decided}


def test_from_topics_streams_the_topics_and_decides_as_the_file_does(kafka_bootstrap: str, unique_prefix: str) -> None:
    early = [r for r in RECORDS if r.kind != "label"] + [r for r in RECORDS if r.kind == "label"][:5]
    asyncio.run(publish_records(RECORDS, kafka_bootstrap, topic_prefix=unique_prefix, partitions=3))
    record_traffic("backtest topics", len(RECORDS))
    history = asyncio.run(from_topics(kafka_bootstrap, unique_prefix))
    assert isinstance(history.feeds(), AsyncIterator)  # read as it goes, nothing held up front
    # what arrives after the history was opened is in no pass: the candidate and baseline see the same input
    asyncio.run(publish_records(early, kafka_bootstrap, topic_prefix=unique_prefix, partitions=3))

    first, second = _decisions(history), _decisions(history)
    transactions = {r.value["transaction_id"] for r in RECORDS if r.kind == "transaction"}
    assert first == second and set(first) == transactions and len(transactions) > 100
    from_file = _decisions(from_sim_records(RECORDS, "file"))
    assert sum(first[t]["action"] == from_file[t]["action"] for t in transactions) == len(transactions)
