"""The sources the active pointers name: one function for a starting worker and the running control plane."""

from __future__ import annotations

import itertools

import pytest

from app.control.active import active_sources
from app.control.exceptions import ARTIFACT_MISSING, ControlError
from app.control.records import ControlRecord, ControlState, sign
from modelplatform.deploy import NO_MODEL
from risk.strategy import StrategySources

TOKEN = "secret"
BASE = StrategySources(ruleset="file rules", policy="file policy", responses="file responses",
                       ruleset_source="rules/starter.yaml", champion="file model")
_clock = itertools.count(1_780_000_000_000, 1000)


def folded(*records: tuple[str, str, str | None]) -> ControlState:
    """(kind, version, body) per record, body None for a pointer, signed and folded in order."""
    state = ControlState(TOKEN)
    for kind, version, body in records:
        record = sign(ControlRecord(kind=kind, version=version, author="a", published_at_ms=next(_clock),
                                    body=body), TOKEN)
        assert not isinstance(state.fold(record.key().encode(), record.model_dump_json().encode()), ControlError)
    return state


def test_nothing_published_leaves_the_base_as_it_is():
    assert active_sources(ControlState(TOKEN), BASE) == BASE


def test_an_artifact_without_a_pointer_is_not_active():
    assert active_sources(folded(("ruleset", "v2", "published rules")), BASE) == BASE


def test_the_active_ruleset_replaces_the_files_and_names_its_source():
    state = folded(("ruleset", "v2", "published rules"), ("ruleset", "v2", None))
    assert active_sources(state, BASE) == StrategySources(
        ruleset="published rules", policy="file policy", responses="file responses",
        ruleset_source="control:ruleset:v2", champion="file model")


def test_the_newest_pointer_wins_and_each_kind_is_replaced_on_its_own():
    state = folded(("ruleset", "v1", "rules one"), ("ruleset", "v2", "rules two"), ("ruleset", "v1", None),
                   ("policy", "p7", "policy seven"), ("policy", "p7", None), ("ruleset", "v2", None))
    sources = active_sources(state, BASE)
    assert (sources.ruleset, sources.policy, sources.responses) == ("rules two", "policy seven", "file responses")


def test_a_model_pointer_to_no_model_removes_the_model():
    assert active_sources(folded(("model-champion", NO_MODEL, None)), BASE).champion is None


def test_a_pointer_whose_artifact_is_missing_is_refused_with_a_code():
    with pytest.raises(ControlError, match="missing") as caught:
        active_sources(folded(("ruleset", "ghost", None)), BASE)
    assert caught.value.code == ARTIFACT_MISSING
