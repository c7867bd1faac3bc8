"""The rulesets a backtest compares, as self-contained texts, and the strategies built from them.

The candidate is a ruleset file (lists inlined by `bundle`, exactly what `rules publish` would send). The
baseline is another file, `default` (the shipped ruleset), or `deployed`: the version the control topic
points at, or the shipped default when nothing was ever published, as `rules diff` does.
"""

from __future__ import annotations

import logging
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
    """What the workers run now: the control topic's active ruleset, else the shipped default.

    Reading needs no admin token (`read_state` takes records as they stand when none is set); an
    unreachable broker is one line that says what to do, not a client library's log."""
    topic = settings.topic("fraudstream-control")
    quiet = logging.getLogger("aiokafka")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # its connection errors would repeat ours, several lines long
    try:
        artifacts, pointers = await read_state(settings)
    except Exception as err:  # any client failure means the same thing here: the topic cannot be read
        msg = (f"--baseline deployed reads the control topic {topic} at {settings.bootstrap_servers}, which "
               f"cannot be reached ({type(err).__name__}); start Kafka, or use --baseline default (the shipped "
               "ruleset) or --baseline FILE")
        raise BacktestError(msg) from err
    finally:
        quiet.setLevel(level)
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
