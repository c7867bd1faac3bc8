"""Rich tables for a backtest in the terminal (the CLI's view; the JSON report holds everything)."""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table

from app.backtest.runner import Backtest


def _pct(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1%}"


def _num(value: float, digits: int = 3) -> str:
    return "-" if math.isnan(value) else f"{value:.{digits}f}"


def render(result: Backtest, console: Console, *, top: int = 25) -> None:
    cand = result.candidate
    comp = result.comparison
    runs = [("candidate", cand)] + ([("baseline", comp.baseline)] if comp else [])
    summary = Table(title=f"backtest on {result.source}")
    summary.add_column("")
    for name, run in runs:
        summary.add_column(f"{name}\n{run.version}", justify="right")
    rows = [
        ("transactions / frauds", lambda o: f"{o.transactions:,} / {o.frauds:,}"),
        ("days", lambda o: str(o.days)),
        ("actions", lambda o: " ".join(f"{a}:{n}" for a, n in o.actions.items())),
        ("alerts (not ALLOW)", lambda o: f"{o.alerts:,}"),
        ("alert precision", lambda o: _pct(o.alert_precision)),
        ("alert recall", lambda o: _pct(o.alert_recall)),
        ("AUC ROC (score)", lambda o: _num(o.auc)),
        ("average precision", lambda o: _num(o.average_precision)),
        (f"precision@{cand.overall.k} accounts/day", lambda o: _pct(o.precision_at_k)),
        (f"recall at {cand.overall.budget:.2%} budget", lambda o: _pct(o.recall_at_budget)),
    ]
    for label, fmt in rows:
        summary.add_row(label, *[fmt(run.overall) for _, run in runs])
    console.print(summary)

    scen = Table(title="alerted share by scenario (genuine: false-positive rate)")
    for col in ("scenario", "transactions", "alerted", "rate"):
        scen.add_column(col, justify="left" if col == "scenario" else "right")
    for s in cand.scenarios:
        scen.add_row(s.scenario, f"{s.transactions:,}", f"{s.alerted:,}", _pct(s.rate))
    console.print(scen)

    rules = Table(title=f"rules of {cand.version}: top {top} by hits (all in the JSON report)")
    for col in ("rule", "hits", "hit rate", "precision", "recall", "per day"):
        rules.add_column(col, justify="left" if col == "rule" else "right", no_wrap=col == "rule")
    for r in sorted((r for r in cand.rules if r.hits), key=lambda r: (-r.hits, r.rule_id))[:top]:
        name = r.rule_id + (" [dim]shadow" if r.shadow_hits == r.hits else "")
        rules.add_row(name, f"{r.hits:,}", _pct(r.hit_rate), _pct(r.precision), _pct(r.recall),
                      f"{r.alerts_per_day:.1f}")
    silent = sum(1 for r in cand.rules if not r.hits)
    console.print(rules)
    if silent:
        console.print(f"{silent} rules never fired on this input")
    if comp is None:
        return
    diff = Table(title=f"vs baseline {comp.baseline.ruleset.label}: rules whose hits changed")
    for col in ("rule", "baseline", "candidate", "delta"):
        diff.add_column(col, justify="left" if col == "rule" else "right")
    for d in comp.hit_deltas[:top]:
        colour = "green" if d.delta < 0 else "red"
        diff.add_row(d.rule_id, f"{d.baseline_hits:,}", f"{d.candidate_hits:,}", f"[{colour}]{d.delta:+,}")
    console.print(diff if comp.hit_deltas else "no rule's hit count changed")
    acts = comp.actions
    if not acts.changes:
        console.print("no decision changes its action")
        return
    moves = Table(title=f"decisions whose action changes: {acts.changed:,}")
    moves.add_column("from → to")
    moves.add_column("decisions", justify="right")
    for move, n in acts.changes.items():
        moves.add_row(move, f"{n:,}")
    console.print(moves)
    console.print(f"frauds newly alerted {acts.frauds_newly_alerted:,}, no longer alerted "
                  f"{acts.frauds_no_longer_alerted:,}; genuine newly alerted {acts.genuine_newly_alerted:,}, "
                  f"no longer alerted {acts.genuine_no_longer_alerted:,}")
