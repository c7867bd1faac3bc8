"""The agents' handlers, driven in-process by LocalPipeline (the same code the Faust agents call)."""

import base64
import hashlib

import orjson
import pytest

from agents.local import LocalPipeline
from app.control.holder import StrategyHolder
from app.settings import Settings
from risk.rules.exceptions import FeatureTypeError
from schemas import Alert, BlockCommand, DeadLetter, Decision
from schemas.times import iso_utc

BASE = 1_764_000_000_000


def tx(n: int, account: str = "acc1", **extra) -> dict:
    return {"transaction_id": f"t{n}", "event_time": iso_utc(BASE + n * 60_000), "account_id": account,
            "customer_id": "c1", "branch": {"province": "44", "city": "4401", "county": "440106"},
            "channel": "mobile", "tx_type": "transfer", "amount": "120.00",
            "counterparty": {"id": "payee1"}, "device_id": "dev1", **extra}


@pytest.fixture(scope="module")
def holder() -> StrategyHolder:
    return StrategyHolder.from_files(Settings())


def run(holder, messages):
    pipeline = LocalPipeline(holder.current)
    out = pipeline.run([(t, k.encode() if k else None, orjson.dumps(v)) for t, k, v in messages])
    return pipeline, out


def run_raw(holder, messages):
    pipeline = LocalPipeline(holder.current)
    return pipeline, pipeline.run(messages)


def test_account_events_reach_the_next_transaction_features(holder):
    event = {"event_id": "e1", "event_time": iso_utc(BASE), "account_id": "acc1", "kind": "password_reset"}
    _, out = run(holder, [("account-events", "acc1", event), ("transactions", "acc1", tx(5))])
    assert out.decisions[0]["features"]["account.minutes_since_password_reset"] == 5.0


def test_input_keyed_by_something_else_is_rekeyed_and_still_uses_account_state(holder):
    pipeline, out = run(holder, [("transactions", "acc1", tx(1)), ("transactions", "wrong-key", tx(2))])
    assert [d["features"]["account.tx_count_1h"] for d in out.decisions] == [1, 2]
    assert pipeline.counters.counts["transactions.rekeyed"] == 1


def test_a_duplicate_transaction_id_is_decided_once_and_dead_lettered(holder):
    _, out = run(holder, [("transactions", "acc1", tx(1)), ("transactions", "acc1", tx(1))])
    assert len(out.decisions) == 1
    assert [DeadLetter.model_validate(d).error.code for d in out.dead_letters] == ["duplicate_transaction_id"]


def test_a_duplicate_transaction_id_under_another_accounts_key_is_dead_lettered_whole(holder):
    copy = tx(1)
    _, out = run(holder, [("transactions", "acc1", tx(1)), ("transactions", "other-key", copy)])
    assert len(out.decisions) == 1
    letter = DeadLetter.model_validate(out.dead_letters[0])
    assert letter.error.code == "duplicate_transaction_id"
    assert (letter.source_topic, letter.offset) == ("transactions", 1)
    assert base64.b64decode(letter.value_b64) == orjson.dumps(copy)
    assert base64.b64decode(letter.key_b64 or "") == b"other-key"


def test_an_oversize_input_is_dead_lettered_with_a_prefix_its_length_and_its_digest(holder):
    huge = b'{"transaction_id": "' + b"x" * 2_000_000 + b'"}'
    _, out = run_raw(holder, [("transactions", b"acc1", huge)])
    letter = DeadLetter.model_validate(out.dead_letters[0])
    assert letter.error.code == "oversize" and letter.truncated
    assert letter.value_bytes == len(huge) and letter.value_sha256 == hashlib.sha256(huge).hexdigest()
    assert len(orjson.dumps(out.dead_letters[0])) < 1_000_000


def test_labels_feed_counterparty_risk_after_they_are_confirmed(holder):
    label = {"transaction_id": "t1", "is_fraud": True, "source": "analyst", "confirmed_at": iso_utc(BASE + 120_000),
             "counterparty_id": "payee1"}
    _, out = run(holder, [("transactions", "acc1", tx(1)), ("fraud-labels", "t1", label),
                          ("transactions", "acc2", tx(5, account="acc2"))])
    assert out.decisions[0]["features"]["counterparty.fraud_count_30d"] == 0
    assert out.decisions[1]["features"]["counterparty.fraud_count_30d"] == 1


@pytest.mark.parametrize("where", [{"geo": {"lat": 23.13, "lon": 113.26}}, {"region_code": "440106"}])
def test_a_label_counts_against_the_cell_its_transaction_was_made_in(holder, where):
    label = {"transaction_id": "t1", "is_fraud": True, "source": "complaint", "confirmed_at": iso_utc(BASE + 120_000),
             **where}
    _, out = run(holder, [("transactions", "acc1", tx(1, **where)), ("fraud-labels", "t1", label),
                          ("transactions", "acc2", tx(5, account="acc2", **where)),
                          ("transactions", "acc3", tx(6, account="acc3", geo={"lat": 30.0, "lon": 120.0}))])
    cells = [d["features"]["location.cell"] for d in out.decisions]
    assert cells[0] == cells[1] != cells[2]
    assert [d["features"]["location.fraud_count_1d"] for d in out.decisions] == [0, 1, 0]


def test_outputs_match_the_published_schemas(holder):
    blocked = tx(1, device_id="dev-blocked-test", amount="250000.00")
    _, out = run(holder, [("transactions", "acc1", blocked)])
    decision = Decision.model_validate(out.decisions[0])
    assert decision.action != "ALLOW", decision.reason_codes
    assert [Alert.model_validate(a).transaction_id for a in out.alerts] == ["t1"]
    for command in out.blocks:
        BlockCommand.model_validate(command)


def test_bad_input_never_stops_the_stream(holder):
    pipeline = LocalPipeline(holder.current)
    out = pipeline.run([("transactions", b"acc1", b"\xff\xfe garbage"),
                        ("transactions", b"acc1", orjson.dumps(tx(2)))])
    assert len(out.decisions) == 1 and out.dead_letters[0]["error"]["code"] == "invalid_json"


class _BreaksOnT2:
    """The shipped strategy, except that batches fail and transaction t2 cannot be scored at all."""

    def __init__(self, real) -> None:
        self._real, self.versions = real, real.versions

    def assess_batch(self, rows, facts):
        raise RuntimeError("model does not fit these features")

    def assess(self, features, facts):
        if facts.transaction_id == "t2":
            raise FeatureTypeError("feature tx.amount is text, expected a number")
        return self._real.assess(features, facts)


def test_a_transaction_that_cannot_be_scored_is_dead_lettered_and_the_rest_are_decided(holder):
    strategy, responses = holder.current()
    pipeline = LocalPipeline(lambda: (_BreaksOnT2(strategy), responses))
    out = pipeline.run([("transactions", b"acc1", orjson.dumps(tx(n))) for n in (1, 2, 3)])
    assert [d["transaction_id"] for d in out.decisions] == ["t1", "t3"]
    assert [d["error"]["code"] for d in out.dead_letters] == ["scoring_failed"]
    assert out.dead_letters[0]["errors"] == [{"code": "feature_type",
                                              "message": "feature tx.amount is text, expected a number"}]
    assert "[feature_type]" in out.dead_letters[0]["error"]["message"]
    assert pipeline.counters.counts["score.rows"] == 3


def test_every_decision_reports_its_stage_and_end_to_end_timings(holder):
    pipeline = LocalPipeline(holder.current)
    seen: list[tuple[str, float]] = []
    pipeline.counters.timings = lambda series, ms: seen.append((series, ms))
    pipeline.run([("transactions", b"acc1", orjson.dumps(tx(1))), ("transactions", b"acc1", b"{bad")])
    assert sorted(series for series, _ in seen) == [
        "end_to_end", "stage.account", "stage.counterparty", "stage.decide", "stage.device", "stage.location"]
    assert all(ms >= 0 for _, ms in seen)
    assert pipeline.counters.counts["transactions.in"] == 2
    assert pipeline.counters.counts["transactions.valid"] == 1
