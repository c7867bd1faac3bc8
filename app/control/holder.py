"""The live strategy, replaced by one reference swap so every decision sees one consistent version set."""

from __future__ import annotations

from typing import Any

from app.rulesets import bundle
from app.settings import Settings
from risk.decision import Strategy
from risk.responses import ResponsePlan, parse_response_plan
from risk.rules import DEFAULT_RULESET_LIMITS, RulesetLimits
from risk.strategy import StrategySources, build_strategy


class StrategyHolder:
    def __init__(self, sources: StrategySources, limits: RulesetLimits = DEFAULT_RULESET_LIMITS) -> None:
        self._sources = sources
        self._current: tuple[Strategy, ResponsePlan] = (build_strategy(sources, limits),
                                                         parse_response_plan(sources.responses))

    @classmethod
    def from_files(cls, settings: Settings) -> StrategyHolder:
        return cls(file_sources(settings), settings.ruleset_limits())

    @property
    def sources(self) -> StrategySources:
        return self._sources

    def current(self) -> tuple[Strategy, ResponsePlan]:
        return self._current

    def replace(self, sources: StrategySources, limits: RulesetLimits = DEFAULT_RULESET_LIMITS) -> None:
        """Build everything first; only a fully valid set is swapped in (raises otherwise, nothing changes)."""
        strategy = build_strategy(sources, limits)
        responses = parse_response_plan(sources.responses)
        self._current = (strategy, responses)
        self._sources = sources

    def versions_dict(self) -> dict[str, Any]:
        versions = self._current[0].versions
        return {"ruleset": versions.ruleset, "policy": versions.policy, "model": versions.model,
                "challenger": versions.challenger}


def file_sources(settings: Settings) -> StrategySources:
    """The shipped (or configured) ruleset, policy and responses: the strategy until one is published."""
    return StrategySources(
        ruleset=bundle(settings.ruleset_path, settings.ruleset_limits()),
        ruleset_source=str(settings.ruleset_path),
        policy=settings.policy_path.read_text(),
        responses=settings.responses_path.read_text(),
    )
