import itertools
import random

import orjson
import pytest

from app.control.holder import StrategyHolder
from app.control.plane import ControlMessage, ControlPlane, dead_letter_record
from app.control.records import ControlRecord, sign
from app.rulesets import bundle
from app.settings import Settings
from schemas import DeadLetter

TOKEN = "secret"
_clock = itertools.count(1_780_000_000_000, 1000)
_offsets = itertools.count()


@pytest.fixture(scope="module")
def starter() -> str:
    return bundle(Settings().ruleset_path)


def message(key: bytes | None, value: bytes | None, headers: tuple = ()) -> ControlMessage:
    return ControlMessage(0, next(_offsets), key, value, headers)


def signed(kind: str, version: str, body: str | None, token: str = TOKEN, at_ms: int | None = None) -> ControlRecord:
    at_ms = next(_clock) if at_ms is None else at_ms
    return sign(ControlRecord(kind=kind, version=version, author="a", published_at_ms=at_ms, body=body), token)


def as_message(record: ControlRecord, key: str | bytes | None = None) -> ControlMessage:
    raw_key = record.key().encode() if key is None else key if isinstance(key, bytes) else key.encode()
    return message(raw_key, record.model_dump_json().encode())


def records(kind: str, version: str, body: str | None, token: str = TOKEN) -> list[ControlMessage]:
    return [as_message(signed(kind, version, body, token)), as_message(signed(kind, version, None, token))]


def plane() -> tuple[ControlPlane, StrategyHolder]:
    holder = StrategyHolder.from_files(Settings())
    return ControlPlane(Settings(admin_token=TOKEN), holder), holder


def test_a_published_ruleset_is_swapped_in(starter):
    control, holder = plane()
    before = holder.versions_dict()["ruleset"]
    v2 = starter.replace('version: 2026.11.1', 'version: 2026.12.1')
    assert control.ingest(records("ruleset", "2026.12.1", v2))
    control.apply()
    after = holder.versions_dict()["ruleset"]
    assert after != before and after.startswith("2026.12.1+")
    assert control.counts["control.applied"] == 1


def test_an_invalid_ruleset_is_refused_and_the_last_good_one_kept(starter):
    control, holder = plane()
    before = holder.versions_dict()
    broken = starter.replace("tx.amount", "tx.amuont", 1)
    control.ingest(records("ruleset", "bad", broken))
    control.apply()
    assert holder.versions_dict() == before
    assert control.last_error and "amuont" in control.last_error


def test_records_signed_with_another_token_are_ignored(starter):
    control, holder = plane()
    before = holder.versions_dict()
    assert not control.ingest(records("ruleset", "x", starter, token="forged"))
    control.apply()
    assert holder.versions_dict() == before
    assert control.counts["control.refused.control_bad_signature"] == 2


def test_a_pointer_to_a_missing_artifact_changes_nothing(starter):
    control, holder = plane()
    before = holder.versions_dict()
    control.ingest(records("ruleset", "ghost", starter)[1:])  # pointer only
    control.apply()
    assert holder.versions_dict() == before and "missing" in (control.last_error or "")


def test_rollback_is_a_new_pointer_back_to_an_earlier_artifact(starter):
    control, holder = plane()
    v1, v2 = starter, starter.replace('version: 2026.11.1', 'version: 2026.12.1')
    control.ingest(records("ruleset", "2026.11.1", v1) + records("ruleset", "2026.12.1", v2))
    control.apply()
    assert holder.versions_dict()["ruleset"].startswith("2026.12.1+")
    assert control.ingest([as_message(signed("ruleset", "2026.11.1", None))])
    control.apply()
    assert holder.versions_dict()["ruleset"].startswith("2026.11.1+")


def test_a_replayed_older_pointer_does_not_roll_workers_back(starter):
    control, holder = plane()
    v1, v2 = starter, starter.replace('version: 2026.11.1', 'version: 2026.12.1')
    first = records("ruleset", "2026.11.1", v1)
    control.ingest(first + records("ruleset", "2026.12.1", v2))
    control.apply()
    replayed = first[1]
    for key in (replayed.key, b"active:ruleset", b"active:ruleset:99999999999999"):
        assert not control.ingest([message(key, replayed.value)])
    control.apply()
    assert holder.versions_dict()["ruleset"].startswith("2026.12.1+")
    assert control.counts["control.refused.control_stale"] == 2  # the third key does not match the record
    assert control.counts["control.refused.control_key_mismatch"] == 1


def test_a_pointer_copied_under_an_artifacts_key_is_refused(starter):
    control, holder = plane()
    published = records("ruleset", "2026.12.1", starter.replace('version: 2026.11.1', 'version: 2026.12.1'))
    pointer = published[1]
    control.ingest([*published, message(b"artifact:ruleset:2026.12.1", pointer.value)])
    control.apply()
    assert holder.versions_dict()["ruleset"].startswith("2026.12.1+")
    assert control.counts["control.refused.control_key_mismatch"] == 1


@pytest.mark.parametrize("key", [b"\xff\xfeactive", b"\xff\xfeactive:ruleset", b"artifact:\xc3\x28"])
def test_a_signed_record_under_a_key_that_is_not_utf8_is_skipped(starter, key):
    control, holder = plane()
    published = records("ruleset", "2026.12.1", starter.replace('version: 2026.11.1', 'version: 2026.12.1'))
    poison = message(key, published[1].value)
    assert control.ingest([poison, *published])  # the poison record first: the rest is still applied
    control.apply()
    assert holder.versions_dict()["ruleset"].startswith("2026.12.1+")
    assert control.counts["control.refused.control_key_invalid"] == 1
    letter = DeadLetter.model_validate_json(dead_letter_record("fraudstream-control", control.refused[0], 65536))
    assert letter.error.code == "control_key_invalid" and letter.offset == poison.offset


def _random_bytes(rng: random.Random, valid: list[bytes]) -> bytes | None:
    choice = rng.randrange(6)
    if choice == 0:
        return None
    if choice == 1:
        return rng.randbytes(rng.randrange(0, 64))
    if choice == 2:  # a valid record, bit-flipped
        raw = bytearray(rng.choice(valid))
        raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
        return bytes(raw)
    if choice == 3:  # valid JSON of the wrong shape
        return orjson.dumps(rng.choice([[], 1, "x", None, {"kind": "ruleset"}, {"kind": 1, "version": []}]))
    if choice == 4:  # a valid record, truncated
        raw = rng.choice(valid)
        return raw[: rng.randrange(len(raw))]
    return rng.choice(valid)


def test_fuzzed_keys_values_and_headers_never_raise_and_never_change_the_strategy(starter):
    control, holder = plane()
    v2 = starter.replace('version: 2026.11.1', 'version: 2026.12.1')
    published = records("ruleset", "2026.12.1", v2)
    control.ingest(published)
    control.apply()
    active = holder.versions_dict()
    rng = random.Random(20261201)
    valid = [m.value for m in published] + [m.value for m in records("policy", "p", "nonsense")]
    for _ in range(3000):
        key = rng.choice([None, rng.randbytes(rng.randrange(0, 40)), *[m.key for m in published],
                          b"active:ruleset", b"\xff\xfeactive"])
        headers = tuple((rng.choice(["", "x", "\udcff"]), rng.randbytes(rng.randrange(0, 8)))
                        for _ in range(rng.randrange(3)))
        control.ingest([message(key, _random_bytes(rng, valid), headers)])
        control.apply()
    assert holder.versions_dict()["ruleset"] == active["ruleset"]
    assert sum(n for name, n in control.counts.items() if name.startswith("control.refused.")) > 1000


def test_a_record_over_the_size_limit_is_refused_with_its_code(starter):
    holder = StrategyHolder.from_files(Settings())
    control = ControlPlane(Settings(admin_token=TOKEN, control_max_record_bytes=64 * 1024), holder)
    before = holder.versions_dict()
    big = starter + "\n# " + "x" * 100_000  # still a valid ruleset, but over the limit
    assert not control.ingest(records("ruleset", "big", big)[:1])
    assert control.counts["control.refused.control_oversize"] == 1
    control.apply()
    assert holder.versions_dict() == before


@pytest.mark.parametrize(("limit", "code"), [({"rules_max_rules": 5}, "control_too_many_rules"),
                                             ({"rules_max_list_items": 2}, "control_list_too_large")])
def test_a_ruleset_over_a_limit_is_dead_lettered_with_its_code_and_the_old_one_kept(starter, limit, code):
    holder = StrategyHolder.from_files(Settings())
    control = ControlPlane(Settings(admin_token=TOKEN, **limit), holder)
    before = holder.versions_dict()
    published = records("ruleset", "2026.12.1", starter.replace('version: 2026.11.1', 'version: 2026.12.1'))
    assert control.ingest(published)
    control.apply()  # never raises
    assert holder.versions_dict() == before
    assert control.counts[f"control.refused.{code}"] == 1
    letter = DeadLetter.model_validate_json(dead_letter_record("fraudstream-control", control.refused[0], 65536))
    assert letter.error.code == code and letter.offset == published[0].offset
    assert f"[{code.removeprefix('control_')}]" in (control.last_error or "")  # the rule engine's own code


def test_a_worker_started_on_the_active_versions_does_not_compile_them_again(starter):
    from app.control.active import active_sources
    from app.control.holder import file_sources
    from app.control.records import ControlState

    published = records("ruleset", "2026.12.1", starter.replace('version: 2026.11.1', 'version: 2026.12.1'))
    state = ControlState(TOKEN)
    for record in published:
        state.fold(record.key, record.value)
    holder = StrategyHolder(active_sources(state, file_sources(Settings())))  # what `app.control.start` builds
    compiled = holder.current()
    control = ControlPlane(Settings(admin_token=TOKEN), holder)
    assert control.ingest(published)  # the running plane reads the same records again
    control.apply()
    assert holder.current() is compiled and control.counts["control.applied"] == 0
