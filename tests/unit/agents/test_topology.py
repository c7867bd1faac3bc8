"""The topology is the one description every engine builds: each input read by exactly one stage."""

import pytest

from agents.handlers import Counters, Limits
from agents.pipeline import build_stages
from agents.topology import DECIDED, TopicNames, stage_specs
from app.control.holder import StrategyHolder
from app.settings import Settings
from risk.features.common import StageConfig
from risk.validation import TimeBounds

NAMES = TopicNames.with_prefix("p.")


@pytest.mark.parametrize("layout", ["batched", "inline"])
def test_every_consumed_topic_belongs_to_exactly_one_stage(layout):
    specs = stage_specs(NAMES, layout)
    inputs = [topic for spec in specs for topic in spec.inputs]
    assert len(inputs) == len(set(inputs))
    expected = set(NAMES.inputs()) | {NAMES.rekey, NAMES.device_stage, NAMES.location_stage,
                                       NAMES.counterparty_stage}
    assert set(inputs) == expected | ({NAMES.score_stage} if layout == "batched" else set())


def test_the_only_batched_stage_is_the_score_stage_with_its_first_decisions():
    """A batch may write only a table keyed like its own events (Faust scopes each write to its event)."""
    batched = [spec for spec in stage_specs(NAMES, "batched") if spec.batched]
    assert [(spec.name, spec.inputs, spec.table) for spec in batched] == [
        ("score-stage", (NAMES.score_stage,), DECIDED)]
    assert not any(spec.batched for spec in stage_specs(NAMES, "inline"))


@pytest.mark.parametrize("layout", ["batched", "inline"])
def test_the_built_stages_route_exactly_the_topology_inputs(layout):
    limits = Limits(1 << 16, TimeBounds(0, 0), 480, StageConfig())
    stages = build_stages(NAMES, limits, Counters(), StrategyHolder.from_files(Settings()).current,
                          score_layout=layout, table_for=lambda _: {}, emitter_for=lambda _: None)
    assert {name: set(stage.routes) for name, stage in stages.items()} == {
        spec.name: set(spec.inputs) for spec in stage_specs(NAMES, layout)}
