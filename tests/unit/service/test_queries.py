"""Store writes and queries on SQLite, over real pipeline output (the same runs on PostgreSQL in
tests/integration/test_service_store.py)."""

from datetime import UTC, datetime, timedelta

import pytest

from schemas.block_command import BlockAction, BlockCommand
from service.exceptions import NotFound, OutOfScope, QueryInvalid
from service.scope import Scope
from service.store import queries, writes
from service.store.queries import Cursor, Filters
from service.store.retention import purge
from service.store.rows import Batch, ControlPointer, ms
from tests.servicedata import batch, pipeline_output

ALL = Scope(None)
NOW_MS = ms(datetime.now(UTC))


@pytest.fixture
def stored(engine):
    writes.write_batch(engine, batch(), now_ms=NOW_MS)
    return engine


def _all_pages(fetch, limit):
    items, cursor = [], None
    while True:
        page = fetch(cursor=cursor, limit=limit)
        items += page.items
        if page.next_cursor is None:
            return items
        cursor = Cursor.decode(page.next_cursor)


def test_pages_walk_every_decision_once_newest_first(stored):
    with stored.connect() as c:
        items = _all_pages(lambda **kw: queries.list_decisions(c, ALL, Filters(), **kw), limit=7)
    times = [(i["event_time"], i["transaction_id"]) for i in items]
    assert len(items) == len(pipeline_output()["decisions"]) == len({t for _, t in times})
    assert times == sorted(times, reverse=True)
    assert "features" not in items[0]


def test_a_scope_lists_only_its_subtree(stored):
    with stored.connect() as c:
        branches = {i["branch_path"] for i in
                    _all_pages(lambda **kw: queries.list_decisions(c, Scope("44/4401"), Filters(), **kw), 50)}
        county = queries.list_decisions(c, Scope("44/4401/440101"), Filters(), limit=500).items
    assert branches and all(b.startswith("44/4401/") for b in branches)
    assert county and {i["branch_path"] for i in county} == {"44/4401/440101"}


def test_filters_by_time_action_and_rule(stored):
    decisions = pipeline_output()["decisions"]
    hit = next(d for d in decisions if d["rule_hits"])
    rule = hit["rule_hits"][0]["rule_id"]
    middle = sorted(d["event_time"] for d in decisions)[len(decisions) // 2]
    since = ms(datetime.fromisoformat(middle))
    with stored.connect() as c:
        by_rule = queries.list_decisions(c, ALL, Filters(rule=rule), limit=500).items
        blocked = queries.list_decisions(c, ALL, Filters(action="BLOCK"), limit=500).items
        later = queries.list_decisions(c, ALL, Filters(since_ms=since), limit=500).items
        earlier = queries.list_decisions(c, ALL, Filters(until_ms=since), limit=500).items
    assert {i["transaction_id"] for i in by_rule} == {d["transaction_id"] for d in decisions
                                                     if rule in {h["rule_id"] for h in d["rule_hits"]}}
    assert blocked and {i["action"] for i in blocked} == {"BLOCK"}
    assert len(later) + len(earlier) == len(decisions) and min(i["event_time"] for i in later) == middle


def test_a_redelivered_batch_writes_nothing_twice(stored):
    with stored.connect() as c:
        before = queries.counts(c)
        seen_before = queries.versions(c)["seen_on_decisions"]
    writes.write_batch(stored, batch(), now_ms=NOW_MS + 1)
    with stored.connect() as c:
        assert queries.counts(c) == before
        assert queries.versions(c)["seen_on_decisions"] == seen_before
    out = pipeline_output()
    assert before == {"decisions": len(out["decisions"]), "alerts": len(out["alerts"]),
                      "block_commands": len(out["blocks"])}


def test_a_decision_out_of_scope_is_refused_and_an_unknown_one_not_found(stored):
    other = next(d for d in pipeline_output()["decisions"] if d["branch_path"].startswith("45/"))
    with stored.connect() as c:
        assert queries.get_decision(c, other["transaction_id"], Scope("45"))["rule_hits"] == other["rule_hits"]
        with pytest.raises(OutOfScope):
            queries.get_decision(c, other["transaction_id"], Scope("44"))
        with pytest.raises(NotFound):
            queries.get_decision(c, "tx-none", ALL)


@pytest.mark.parametrize(("kind", "feature_key", "prefix"), [("account", "tx.account_id", "account."),
                                                              ("device", "tx.device_id", "device."),
                                                              ("payee", "tx.counterparty_id", "counterparty.")])
def test_a_profile_is_the_last_decisions_snapshot_of_that_entity(stored, kind, feature_key, prefix):
    decisions = [d for d in pipeline_output()["decisions"] if d["branch_path"].startswith("44/")]
    last = max(decisions, key=lambda d: (d["event_time"], d["transaction_id"]))
    entity = last["features"][feature_key]
    with stored.connect() as c:
        profile = queries.entity_profile(c, kind, entity, Scope("44"), NOW_MS)
    mine = [d for d in decisions if d["features"][feature_key] == entity]
    newest = max(mine, key=lambda d: (d["event_time"], d["transaction_id"]))
    assert profile["last_decision"]["transaction_id"] == newest["transaction_id"]
    assert profile["features"] == {k: v for k, v in newest["features"].items() if k.startswith(prefix)}
    assert sum(profile["actions_last_30d"].values()) == len(mine)


def test_an_entity_seen_only_outside_the_scope_is_refused(stored):
    with stored.connect() as c:
        with pytest.raises(OutOfScope):
            queries.entity_profile(c, "account", "acc0006", Scope("44"), NOW_MS)
        with pytest.raises(NotFound):
            queries.entity_profile(c, "account", "nobody", Scope("44"), NOW_MS)


def _block(command_id: str, transaction_id: str, expires_at: datetime | None) -> BlockCommand:
    return BlockCommand(command_id=command_id, action=BlockAction.BLOCK_DEVICE, target_id="devX",
                        transaction_id=transaction_id, account_id="acc0001", reason_codes=["R"],
                        issued_at=datetime.now(UTC) - timedelta(hours=1), expires_at=expires_at)


def test_active_blocks_exclude_expired_ones_and_follow_their_transactions_branch(stored):
    in_44 = next(d for d in pipeline_output()["decisions"] if d["branch_path"].startswith("44/"))["transaction_id"]
    now = datetime.now(UTC)
    now_ms = ms(now)
    writes.write_batch(stored, Batch(blocks=[_block("live", in_44, now + timedelta(days=1)),
                                             _block("expired", in_44, now - timedelta(minutes=1)),
                                             _block("orphan", "tx-unknown", None)]), now_ms)
    with stored.connect() as c:
        scoped = queries.active_blocks(c, Scope("44"), Filters(), now_ms, target_id="devX", limit=10).items
        everything = queries.active_blocks(c, ALL, Filters(), now_ms, target_id="devX", limit=10).items
        other = queries.active_blocks(c, Scope("45"), Filters(), now_ms, target_id="devX", limit=10).items
    assert [b["command_id"] for b in scoped] == ["live"]
    assert {b["command_id"] for b in everything} == {"live", "orphan"} and other == []


def test_versions_prefer_verified_activations_and_fall_back_to_decisions(stored):
    writes.write_batch(stored, Batch(pointers=[ControlPointer("ruleset", "r2", 200, "ana", "tighter", True),
                                               ControlPointer("ruleset", "r3", 300, "eve", "", False),
                                               ControlPointer("ruleset", "r1", 100, "ana", "", True)]), NOW_MS)
    with stored.connect() as c:
        versions = queries.versions(c)
    assert versions["active"]["ruleset"]["version"] == "r2"
    assert versions["active"]["policy"]["source"] == "decisions"
    assert [a["version"] for a in versions["activations"]] == ["r3", "r2", "r1"]
    ruleset = pipeline_output()["decisions"][0]["ruleset_version"]
    assert {s["version"] for s in versions["seen_on_decisions"] if s["kind"] == "ruleset"} == {ruleset}


def test_purge_removes_what_is_older_than_the_retention(stored):
    newest = max(ms(datetime.fromisoformat(d["event_time"])) for d in pipeline_output()["decisions"])
    purged = purge(stored, retention_days=1, now_ms=newest + 86_400_000 + 1)
    with stored.connect() as c:
        left = queries.counts(c)
    assert purged.decisions == len(pipeline_output()["decisions"]) and left["decisions"] == 0
    assert left["alerts"] == 0 and purged.rule_hits > 0


def test_a_forged_cursor_is_refused():
    with pytest.raises(QueryInvalid):
        Cursor.decode("not-a-cursor!")
