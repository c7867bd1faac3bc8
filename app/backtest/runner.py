"""Run rulesets over history with the streaming agents' own handlers (`LocalPipeline`) and evaluate.

No separate "offline scorer": the backtest feeds the same records, in the same order, into the same
handlers a single-partition worker runs, so what it reports is what production would have decided.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog

from agents.local import LocalPipeline
from app.backtest.diff import ActionChanges, HitDelta, action_changes, hit_deltas
from app.backtest.evaluate import Overall, RuleStats, ScenarioStats, overall, rule_stats, scenario_stats
from app.backtest.exceptions import BacktestError
from app.backtest.history import History
from app.backtest.rows import Row, to_rows
from app.backtest.strategies import RulesetText, StrategySource
from risk.features.common import StageConfig
from risk.rules import diff_rulesets
from risk.rules.validate import RulesetDiff

log = structlog.get_logger(__name__)

Progress = Callable[[int], None]  # called with the number of records fed since the last call
_PROGRESS_EVERY = 500


async def decide_all(source: StrategySource, history: History, *, stage: StageConfig | None = None,
                     utc_offset_minutes: int = 480, progress: Progress | None = None) -> list[dict[str, Any]]:
    """Every decision the pipeline emits for `history`, in emission order (fresh state each call)."""
    pipeline = LocalPipeline(source, stage=stage, utc_offset_minutes=utc_offset_minutes)
    for number, (topic, key, value) in enumerate(history.records, 1):
        pipeline.feed(topic, key, value)
        if progress is not None and number % _PROGRESS_EVERY == 0:
            progress(_PROGRESS_EVERY)
    pipeline.flush()
    if progress is not None:
        progress(len(history.records) % _PROGRESS_EVERY)
    if pipeline.out.dead_letters:
        log.warning("backtest.dead_letters", count=len(pipeline.out.dead_letters),
                    first=pipeline.out.dead_letters[0].get("error"))
    return pipeline.out.decisions


@dataclass(frozen=True)
class Evaluation:
    """One ruleset's run: decisions reduced to rows, and what they add up to."""

    ruleset: RulesetText
    version: str
    rows: list[Row]
    rules: list[RuleStats]
    scenarios: list[ScenarioStats]
    overall: Overall


@dataclass(frozen=True)
class Comparison:
    baseline: Evaluation
    hit_deltas: list[HitDelta]
    actions: ActionChanges
    ruleset_diff: RulesetDiff


@dataclass(frozen=True)
class Metrics:
    """Knobs of the ranking metrics: k accounts reviewed a day; the share of transactions alerted."""

    k: int = 20
    budget: float = 0.01
    utc_offset_minutes: int = 480

    def check(self) -> None:
        if self.k < 1:
            raise BacktestError(f"--k must be at least 1 (accounts reviewed a day), got {self.k}")
        if not 0 < self.budget <= 1:
            raise BacktestError(f"--budget is a fraction of transactions in (0, 1], got {self.budget}")


def evaluate_run(ruleset: RulesetText, decisions: list[dict[str, Any]], history: History,
                 metrics: Metrics) -> Evaluation:
    rows = to_rows(decisions, history.truth)
    total = overall(rows, k=metrics.k, budget=metrics.budget, utc_offset_minutes=metrics.utc_offset_minutes)
    version = str(decisions[0]["ruleset_version"]) if decisions else ruleset.spec().version
    return Evaluation(ruleset=ruleset, version=version, rows=rows,
                      rules=rule_stats(rows, [r.id for r in ruleset.spec().rules], days=max(total.days, 1)),
                      scenarios=scenario_stats(rows), overall=total)


def compare(baseline: Evaluation, candidate: Evaluation) -> Comparison:
    return Comparison(baseline=baseline, hit_deltas=hit_deltas(baseline.rules, candidate.rules),
                      actions=action_changes(baseline.rows, candidate.rows),
                      ruleset_diff=diff_rulesets(baseline.ruleset.spec(), candidate.ruleset.spec()))


@dataclass(frozen=True)
class Backtest:
    source: str
    candidate: Evaluation
    comparison: Comparison | None
    model_version: str | None


async def run_backtest(history: History, candidate: tuple[RulesetText, StrategySource],
                       baseline: tuple[RulesetText, StrategySource] | None, *, metrics: Metrics = Metrics(),
                       stage: StageConfig | None = None, progress: Callable[[str], Progress] | None = None
                       ) -> Backtest:
    """Candidate (and baseline, when given) over the same history; `progress(name)` makes a per-run callback."""
    metrics.check()
    if history.transactions == 0:
        raise BacktestError(f"no transactions in {history.source}; check the input path, time range or mapping")
    runs: dict[str, Evaluation] = {}
    model_version = None
    for name, pair in (("candidate", candidate), ("baseline", baseline)):
        if pair is None:
            continue
        ruleset, source = pair
        decisions = await decide_all(source, history, stage=stage, utc_offset_minutes=metrics.utc_offset_minutes,
                                     progress=progress(name) if progress else None)
        if name == "candidate" and decisions:
            model_version = decisions[0].get("model_version")
        runs[name] = evaluate_run(ruleset, decisions, history, metrics)
        log.info("backtest.run_done", run=name, ruleset=runs[name].version, decisions=len(decisions))
    comparison = compare(runs["baseline"], runs["candidate"]) if "baseline" in runs else None
    return Backtest(source=history.source, candidate=runs["candidate"], comparison=comparison,
                    model_version=model_version)
