"""Run rulesets over history with the streaming agents' own handlers (`LocalPipeline`) and evaluate.

No separate "offline scorer": the backtest feeds the same records, in the same order, into the same
handlers a single-partition worker runs, so what it reports is what production would have decided.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import orjson
import structlog

from agents.local import LocalPipeline
from app.backtest.diff import ActionChanges, HitDelta, action_changes, hit_deltas
from app.backtest.evaluate import Overall, RuleStats, ScenarioStats, overall, rule_stats, scenario_stats
from app.backtest.exceptions import BacktestError
from app.backtest.history import LABELS, TRANSACTIONS, Feed, History
from app.backtest.rows import Columns, RunLog
from app.backtest.strategies import RulesetText, StrategySource
from app.backtest.truth import Truth, TruthBuilder
from app.row_import import DEFAULT_MAX_REJECT_SHARE
from risk.features.common import StageConfig
from risk.rules import diff_rulesets
from risk.rules.validate import RulesetDiff

log_ = structlog.get_logger(__name__)

Progress = Callable[[int], None]  # called with the number of records fed since the last call
DecisionSink = Callable[[list[dict[str, Any]]], None]
_DRAIN_EVERY = 500


@dataclass(frozen=True)
class RunOutcome:
    """One pass of the pipeline over a history: decisions as compact columns, the truth seen, counts."""

    log: RunLog
    truth: Truth
    transactions: int
    dead_letters: dict[str, int]


async def _each(feeds: Iterable[Feed] | AsyncIterator[Feed]) -> AsyncIterator[Feed]:
    if isinstance(feeds, AsyncIterator):
        async for feed in feeds:
            yield feed
    else:
        for feed in feeds:
            yield feed


async def run_pipeline(source: StrategySource, history: History, *, stage: StageConfig | None = None,
                 utc_offset_minutes: int = 480, progress: Progress | None = None,
                 sink: DecisionSink | None = None) -> RunOutcome:
    """Stream `history` through a fresh pipeline; each decision goes to the run log (and `sink`) as it is
    emitted and is then dropped, so memory holds the entity state and the log's columns, not the history."""
    pipeline = LocalPipeline(source, stage=stage, utc_offset_minutes=utc_offset_minutes)
    log, truth, dead = RunLog(), TruthBuilder(), Counter[str]()
    transactions = fed = 0

    def drain() -> None:
        out = pipeline.out
        for decision in out.decisions:
            log.add(decision)
        if sink is not None and out.decisions:
            sink(out.decisions)
        dead.update(str((d.get("error") or {}).get("code", "unknown")) for d in out.dead_letters)
        for bucket in (out.decisions, out.alerts, out.blocks, out.dead_letters):
            bucket.clear()

    async for topic, key, value in _each(history.feeds()):
        if topic == TRANSACTIONS:
            transactions += 1
        elif topic == LABELS:
            with contextlib.suppress(orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
                truth.add(orjson.loads(value))
        pipeline.feed(topic, key, value)
        fed += 1
        if fed % _DRAIN_EVERY == 0:
            drain()
            if progress is not None:
                progress(_DRAIN_EVERY)
    pipeline.flush()
    drain()
    if progress is not None:
        progress(fed % _DRAIN_EVERY)
    if dead:
        log_.warning("backtest.dead_letters", by_code=dict(dead))
    return RunOutcome(log, truth.truth(), transactions, dict(dead))


async def decide_all(source: StrategySource, history: History, *, stage: StageConfig | None = None,
                     utc_offset_minutes: int = 480, progress: Progress | None = None) -> list[dict[str, Any]]:
    """Every decision the pipeline emits for `history`, in emission order (small inputs: they are kept)."""
    decisions: list[dict[str, Any]] = []
    await run_pipeline(source, history, stage=stage, utc_offset_minutes=utc_offset_minutes, progress=progress,
                       sink=decisions.extend)
    return decisions


@dataclass(frozen=True)
class Evaluation:
    """One ruleset's run: decisions reduced to rows, and what they add up to."""

    ruleset: RulesetText
    version: str
    columns: Columns
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


def evaluate_run(ruleset: RulesetText, run: RunOutcome, truth: Truth, metrics: Metrics) -> Evaluation:
    cols = run.log.freeze(truth)
    total = overall(cols, k=metrics.k, budget=metrics.budget, utc_offset_minutes=metrics.utc_offset_minutes)
    version = run.log.ruleset_version or ruleset.spec().version
    return Evaluation(ruleset=ruleset, version=version, columns=cols,
                      rules=rule_stats(cols, [r.id for r in ruleset.spec().rules], days=max(total.days, 1)),
                      scenarios=scenario_stats(cols), overall=total)


def compare(baseline: Evaluation, candidate: Evaluation) -> Comparison:
    return Comparison(baseline=baseline, hit_deltas=hit_deltas(baseline.rules, candidate.rules),
                      actions=action_changes(baseline.columns, candidate.columns),
                      ruleset_diff=diff_rulesets(baseline.ruleset.spec(), candidate.ruleset.spec()))


@dataclass(frozen=True)
class Backtest:
    source: str
    candidate: Evaluation
    comparison: Comparison | None
    model_version: str | None


def _check_dead_letters(run: RunOutcome, max_share: float, source: str) -> None:
    dead = sum(run.dead_letters.values())
    if run.transactions == 0 or len(run.log) == 0:
        raise BacktestError(f"no transactions decided in {source} ({run.transactions} read, {dead} dead-lettered); "
                            "check the input path, time range or mapping")
    if dead > max_share * run.transactions:
        codes = ", ".join(f"{code}: {n}" for code, n in sorted(run.dead_letters.items(), key=lambda kv: -kv[1]))
        raise BacktestError(f"{dead} of {run.transactions} records of {source} were dead-lettered, more than the "
                            f"allowed {max_share:.2%} (--max-reject-share); by code: {codes}")


async def run_backtest(history: History, candidate: tuple[RulesetText, StrategySource],
                       baseline: tuple[RulesetText, StrategySource] | None, *, metrics: Metrics = Metrics(),
                       stage: StageConfig | None = None, progress: Callable[[str], Progress] | None = None,
                       sink: DecisionSink | None = None, max_reject_share: float = DEFAULT_MAX_REJECT_SHARE
                       ) -> Backtest:
    """Candidate (and baseline, when given) over the same history, one streamed pass each; `progress(name)`
    makes a per-run callback; `sink` receives the candidate's decisions as they are emitted."""
    metrics.check()
    outcomes: dict[str, tuple[RulesetText, RunOutcome]] = {}
    for name, pair in (("candidate", candidate), ("baseline", baseline)):
        if pair is None:
            continue
        ruleset, source = pair
        run = await run_pipeline(source, history, stage=stage, utc_offset_minutes=metrics.utc_offset_minutes,
                                 progress=progress(name) if progress else None,
                                 sink=sink if name == "candidate" else None)
        _check_dead_letters(run, max_reject_share, history.source)
        outcomes[name] = (ruleset, run)
        log_.info("backtest.run_done", run=name, decisions=len(run.log))
    truth = outcomes["candidate"][1].truth  # every pass reads the same labels
    runs = {name: evaluate_run(ruleset, run, truth, metrics) for name, (ruleset, run) in outcomes.items()}
    comparison = compare(runs["baseline"], runs["candidate"]) if "baseline" in runs else None
    return Backtest(source=history.source, candidate=runs["candidate"], comparison=comparison,
                    model_version=outcomes["candidate"][1].log.model_version)
