"""`fraudstream rules calibrate` and `fraudstream policy calibrate`: rule actions, parameters and score
thresholds proposed from the policy's alert budget, measured on a recorded labelled history.

    fraudstream rules calibrate --history var/history --out proposal.yaml
    fraudstream policy calibrate --history var/history --last-days 14 --out rules/policy.calibrated.yaml
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from app.logs import configure_logging
from app.progress import progress_bar
from app.settings import Settings
from modelplatform.calibrate import Proposal, apply_proposal, calibrate, tunable_params
from modelplatform.friction import Friction, Labelled, evaluate_rules, final_actions, friction, load_histories
from modelplatform.quality import policy_yaml
from modelplatform.thresholds import propose_thresholds, with_thresholds
from risk.policy import PolicySpec, load_policy
from risk.rules import compile_ruleset, load_ruleset
from risk.rules.model import RulesetSpec

policy_cli = typer.Typer(help="Decision policy tools.", no_args_is_help=True)
console = Console()
Opt = typer.Option
History = Annotated[list[Path], Opt("--history", exists=True, file_okay=False,
                                    help="history directory (`fraudstream model history`): decisions + labels; "
                                         "repeat it to calibrate on several histories as one")]
RulesOpt = Annotated[Path | None, Opt("--rules", exists=True, dir_okay=False,
                                      help="ruleset YAML (default: FRAUDSTREAM_RULESET_PATH)")]
PolicyOpt = Annotated[Path | None, Opt("--policy", exists=True, dir_okay=False,
                                       help="policy YAML with the budgets (default: FRAUDSTREAM_POLICY_PATH)")]
LastDays = Annotated[float | None, Opt("--last-days", min=0.1, help="only the last N days of the history")]


def _inputs(history: list[Path], rules: Path | None, policy: Path | None, last_days: float | None
            ) -> tuple[RulesetSpec, PolicySpec, Labelled]:
    configure_logging("warning")
    settings = Settings()
    spec = load_ruleset(rules or settings.ruleset_path)
    return spec, load_policy(policy or settings.policy_path), load_histories(history, last_days=last_days)


def _pct(x: float, decimals: int = 2) -> str:
    return f"{x * 100:.{decimals}f}%"


def friction_table(rows: dict[str, Friction], title: str) -> Table:
    table = Table(title=title)
    for column in ("", "genuine CHALLENGE", "genuine REVIEW", "genuine BLOCK", "genuine not ALLOW",
                   "fraud recall (not ALLOW)", "fraud BLOCK"):
        table.add_column(column, justify="right" if column else "left")
    for name, f in rows.items():
        s = f.genuine_share
        table.add_row(name, _pct(s["CHALLENGE"]), _pct(s["REVIEW"]), _pct(s["BLOCK"], 3), _pct(f.genuine_not_allowed),
                      _pct(f.fraud_recall), _pct(f.fraud_block_recall))
    return table


def _proposal_tables(proposal: Proposal) -> tuple[Table, Table]:
    rules = Table(title="rules: measured on genuine and fraud, action proposed from the budget")
    for column in ("rule", "scope", "hits", "genuine hit rate", "precision", "recall", "now", "proposed"):
        rules.add_column(column, justify="right" if column in ("hits", "genuine hit rate", "precision",
                                                               "recall") else "left")
    for r in sorted(proposal.rules, key=lambda r: (r.scope, -r.hits, r.rule_id)):
        if not r.hits:
            continue
        style = "yellow" if r.changed else ""
        rules.add_row(r.rule_id, r.scope or "(root)", f"{r.hits:,}", _pct(r.genuine_share), _pct(r.precision),
                      _pct(r.recall), r.current, r.proposed, style=style)
    params = Table(title="parameters: value with the best recall within the per-rule allowance")
    for column in ("param", "scope", "now", "proposed", "genuine hit rate", "recall", "rules"):
        params.add_column(column)
    for p in proposal.params:
        params.add_row(p.name, p.scope or "(root)", f"{p.current:g}", f"{p.proposed:g}", _pct(p.genuine_share),
                       _pct(p.recall), str(len(p.rules)), style="yellow" if p.changed else "")
    return rules, params


def rules_calibrate(history: History, rules: RulesOpt = None, policy: PolicyOpt = None, last_days: LastDays = None,
                    out: Annotated[Path | None, Opt("--out", help="write the YAML proposal here")] = None,
                    tune_params: Annotated[bool, Opt("--params/--no-params",
                                                     help="also propose parameter values")] = True) -> None:
    """Measure every rule on labelled history; propose actions, parameters and shadow mode from the budget."""
    spec, pol, data = _inputs(history, rules, policy, last_days)
    with progress_bar(tune_params) as bar:
        task = bar.add_task("parameters", total=len(tunable_params(spec)))
        proposal = calibrate(spec, data, pol, tune_params=tune_params, on_param=lambda _: bar.advance(task))
    rule_table, param_table = _proposal_tables(proposal)
    console.print(rule_table)
    if tune_params:
        console.print(param_table)
    before = final_actions(pol, evaluate_rules(compile_ruleset(spec), data), data)
    after = final_actions(pol, evaluate_rules(compile_ruleset(apply_proposal(spec, proposal)), data), data)
    console.print(friction_table(_friction_rows({"declared": before, "proposed": after}, data, history),
                                 f"{len(data):,} transactions, {int(data.fraud.sum()):,} fraud; "
                                 f"budget {_budget_text(pol)}"))
    if out is not None:
        out.write_text(proposal.to_yaml(str(rules or Settings().ruleset_path)), encoding="utf-8")
        console.print(f"proposal: {out}")


def _friction_rows(actions: dict[str, np.ndarray], data: Labelled, history: list[Path]) -> dict[str, Friction]:
    """Friction per setting, and per history too when several were pooled (each must keep the budget)."""
    out = {name: friction(a, data.fraud) for name, a in actions.items()}
    if len(history) > 1:
        for i, (path, rows) in enumerate(zip(history, data.per_history(np.ones(len(data), dtype=bool)), strict=True)):
            out.update({f"{name}, {i + 1}: {path.name}": friction(a[rows], data.fraud[rows])
                        for name, a in actions.items()})
    return out


def _budget_text(policy: PolicySpec) -> str:
    return "; ".join(f"{b.scope or 'root'}: CHALLENGE {_pct(b.challenge)}, REVIEW {_pct(b.review)}, "
                     f"BLOCK {_pct(b.block)}" for b in policy.budgets)


@policy_cli.command("calibrate")
def policy_calibrate(history: History, rules: RulesOpt = None, policy: PolicyOpt = None,
                     last_days: LastDays = None,
                     out: Annotated[Path | None, Opt("--out", help="write the calibrated policy YAML here")] = None
                     ) -> None:
    """Choose score thresholds per scope and channel so genuine friction stays inside the policy's budget."""
    spec, pol, data = _inputs(history, rules, policy, last_days)
    ev = evaluate_rules(compile_ruleset(spec), data)
    proposals = propose_thresholds(pol, ev, data)
    table = Table(title="thresholds (challenge / review / block)")
    for column in ("scope", "channel", "rows", "genuine", "now", "proposed", "rule actions over budget"):
        table.add_column(column)
    for p in proposals:
        c, n = p.current, p.proposed
        table.add_row(c.scope or "(root)", c.channel, f"{p.rows:,}", f"{p.genuine:,}",
                      f"{c.challenge:g} / {c.review:g} / {c.block:g}", f"{n.challenge:g} / {n.review:g} / {n.block:g}",
                      ", ".join(p.over_budget) or "-", style="yellow" if c != n else "")
    console.print(table)
    calibrated = with_thresholds(pol, proposals)
    console.print(friction_table(_friction_rows({"now": final_actions(pol, ev, data),
                                                 "proposed": final_actions(calibrated, ev, data)}, data, history),
                                 f"{len(data):,} transactions, {int(data.fraud.sum()):,} fraud; "
                                 f"budget {_budget_text(pol)}"))
    if out is not None:
        out.write_text(policy_yaml(calibrated), encoding="utf-8")
        console.print(f"policy: {out}")

