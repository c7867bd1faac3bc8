"""The rulesets a backtest compares, as self-contained texts, and the strategies built from them.

The candidate is a ruleset file (lists inlined by `bundle`, exactly what `rules publish` would send). The
baseline is another file, `default` (the shipped ruleset), or `deployed`: the version the control topic
points at, or the shipped default when nothing was ever published, as `rules diff` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.backtest.exceptions import BacktestError
from app.control.holder import StrategyHolder
from app.control.publish import read_state
from app.exceptions import AppError
from app.rulesets import bundle
from app.settings import Settings
from risk.exceptions import RiskError
from risk.rules import parse_ruleset
from risk.rules.model import RulesetSpec
from risk.strategy import StrategySources

DEPLOYED, DEFAULT, NONE = "deployed", "default", "none"


@dataclass(frozen=True)
class RulesetText:
    text: str
    label: str  # where it came from, for the report

    def spec(self) -> RulesetSpec:
        return parse_ruleset(self.text, self.label)


def from_file(path: Path) -> RulesetText:
    try:
        return RulesetText(bundle(path), str(path))
    except (RiskError, OSError, AppError) as err:
        raise BacktestError(f"ruleset {path}: {err}; check it with `fraudstream rules validate {path}`") from err


async def deployed(settings: Settings) -> RulesetText:
    """What the workers run now: the control topic's active ruleset, else the shipped default."""
    try:
        artifacts, pointers = await read_state(settings)
    except Exception as err:
        msg = (f"cannot read the deployed ruleset from {settings.bootstrap_servers} "
               f"(topic {settings.topic('fraudstream-control')}): {err}; use --baseline default to compare "
               "with the shipped ruleset, or --baseline FILE")
        raise BacktestError(msg) from err
    pointer = pointers.get("ruleset")
    if pointer is None:
        return RulesetText(bundle(settings.ruleset_path), f"default {settings.ruleset_path} (none deployed)")
    body = next((a.body for a in artifacts if a.kind == "ruleset" and a.version == pointer.version), None)
    if not body:
        raise BacktestError(f"the control topic points at ruleset {pointer.version} but holds no such artifact; "
                            "republish it or pass --baseline FILE")
    return RulesetText(body, f"deployed {pointer.version}")


async def resolve_baseline(choice: str, settings: Settings) -> RulesetText | None:
    """`deployed`, `default`, `none` (no comparison) or a ruleset file path."""
    if choice == NONE:
        return None
    if choice == DEFAULT:
        return from_file(settings.ruleset_path)
    if choice == DEPLOYED:
        return await deployed(settings)
    path = Path(choice)
    if not path.is_file():
        raise BacktestError(f"--baseline {choice!r}: no such file; use a ruleset path, 'deployed', 'default' "
                            "or 'none'")
    return from_file(path)


StrategySource = Callable[[], Any]


def strategy_source(ruleset: RulesetText, settings: Settings, model_json: str | None = None) -> StrategySource:
    """The `(strategy, response plan)` source LocalPipeline expects, exactly as a worker would build it."""
    try:
        holder = StrategyHolder(StrategySources(
            ruleset=ruleset.text, ruleset_source=ruleset.label, policy=settings.policy_path.read_text(),
            responses=settings.responses_path.read_text(), champion=model_json))
    except (RiskError, OSError, ValueError) as err:
        raise BacktestError(f"cannot build a strategy from {ruleset.label}: {err}") from err
    return holder.current
