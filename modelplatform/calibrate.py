"""Rule actions and thresholds from a declared alert budget, measured on labelled history.

The policy declares per scope how much genuine friction the bank accepts (`AlertBudget`: genuine share at
CHALLENGE, REVIEW, BLOCK). Calibration proposes, per budget scope:

- an action per rule, greedily: rules in order of precision (best first) take the most severe action whose
  budget still holds once their hits are added to the hits already placed (the caps are cumulative: the
  genuine share at REVIEW-or-worse may not exceed review + block). Rules may fill `RULES_SHARE` of each
  cap; the rest is left to the score thresholds (`fraudstream policy calibrate`), so a model can act too.
  BLOCK also needs a precision of at least `MIN_BLOCK_PRECISION`: blocking is only for what is nearly
  always fraud. A rule that fits nowhere, or whose precision is under `MIN_LIFT` times the scope's fraud
  rate, is proposed for shadow mode: it keeps being measured, it stops costing customers. With several
  histories pooled (`load_histories`), an action must fit the caps in each history's genuine rows: the
  history with the most rows must not hide another's friction;
- a value per numeric parameter (`$name`), from a grid: amount parameters take the scope's own genuine
  amount quantiles (so a bank whose largest payment is 2,600 gets thresholds in its own range), the others
  multiples of their current value (a share, at most 1). The value kept is the one with the best fraud recall
  among those whose rules stay within their allowance (`PER_RULE_SHARE` of the scope's CHALLENGE budget per
  rule reading the parameter); the current value wins a tie, so nothing moves without evidence.

A rule without a hit in the window keeps its declared action: no evidence either way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import yaml

from modelplatform.friction import Labelled, RuleEval, budget_groups, evaluate_rules
from risk.policy import AlertBudget, PolicySpec
from risk.rules import compile_ruleset
from risk.rules.model import Mode, RuleOverride, RulesetSpec, ScopeSpec
from schemas.common import Action

RULES_SHARE = 0.6  # of each cap, what rule actions may take: the rest is left to the score thresholds
MIN_BLOCK_PRECISION = 0.5
MIN_LIFT = 3.0  # an acting rule's precision must be at least this multiple of the scope's fraud rate
PER_RULE_SHARE = 0.2  # a parameter's rules may take this share of the CHALLENGE budget on their own
AMOUNT_QUANTILES = (0.9, 0.95, 0.98, 0.99, 0.995, 0.999)
MULTIPLIERS = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
SHADOW = "shadow"
_LEVELS = (Action.BLOCK, Action.REVIEW, Action.CHALLENGE)


@dataclass(frozen=True)
class RuleProposal:
    rule_id: str
    scope: str
    hits: int
    genuine_share: float
    precision: float
    recall: float
    current: str  # the declared action, or "shadow"
    proposed: str  # an action, or "shadow"

    @property
    def changed(self) -> bool:
        return self.current != self.proposed


@dataclass(frozen=True)
class ParamProposal:
    name: str
    scope: str
    current: float
    proposed: float
    genuine_share: float
    recall: float
    rules: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return not np.isclose(self.current, self.proposed)


@dataclass(frozen=True)
class Proposal:
    budgets: tuple[AlertBudget, ...]
    rules: list[RuleProposal] = field(default_factory=list)
    params: list[ParamProposal] = field(default_factory=list)

    def to_yaml(self, source: str) -> str:
        """A ruleset overlay: root params and rule settings, plus `scopes` entries for deeper budget scopes."""
        root: dict[str, dict] = {"params": {}, "rules": {}}
        scoped: dict[str, dict[str, dict]] = {}
        for p in self.params:
            if p.changed:
                target = root if p.scope == "" else scoped.setdefault(p.scope, {"params": {}, "rules": {}})
                target["params"][p.name] = _number(p.proposed)
        for r in self.rules:
            if r.changed:
                target = root if r.scope == "" else scoped.setdefault(r.scope, {"params": {}, "rules": {}})
                target["rules"][r.rule_id] = ({"mode": SHADOW} if r.proposed == SHADOW
                                              else {"action": r.proposed, "mode": "active"})
        doc = {"proposal_for": source,
               "budgets": [b.model_dump() for b in self.budgets],
               **root,
               "scopes": [{"path": path, **body} for path, body in sorted(scoped.items())]}
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(float(value), 4)


def _declared(spec: RulesetSpec) -> dict[str, str]:
    return {r.id: SHADOW if r.mode.value == SHADOW else r.action.value for r in spec.rules}


def _fits(placed: np.ndarray, genuine: list[np.ndarray], budget: AlertBudget) -> bool:
    """Within the rules' share of every cap, in each history's genuine rows (`genuine`: one mask each)."""
    return all((placed[g] >= level.severity).sum() <= RULES_SHARE * budget.at_least(level) * g.sum()
               for g in genuine for level in _LEVELS)


def propose_actions(spec: RulesetSpec, ev: RuleEval, data: Labelled, policy: PolicySpec) -> list[RuleProposal]:
    declared = _declared(spec)
    out: list[RuleProposal] = []
    for budget in policy.budgets:
        rows = budget_groups(policy, data.branch_paths)[budget.scope]
        if not rows.any():
            continue
        hit, fraud = ev.hit[rows], data.fraud[rows]
        genuine = ~fraud
        hits = hit.sum(axis=0)
        fraud_hits = (hit & fraud[:, None]).sum(axis=0)
        precision = np.divide(fraud_hits, hits, out=np.zeros(len(hits)), where=hits > 0)
        order = sorted(range(len(ev.rule_ids)), key=lambda j: (-precision[j], -fraud_hits[j], ev.rule_ids[j]))
        placed = np.zeros(int(rows.sum()), dtype=np.int8)
        genuine_each = [g[rows] for g in data.per_history(rows & ~data.fraud)]
        n_gen, n_fraud = max(int(genuine.sum()), 1), max(int(fraud.sum()), 1)
        base_rate = float(fraud.mean())
        for j in order:
            rule_id = ev.rule_ids[j]
            current = declared.get(rule_id, SHADOW)
            proposed = current
            if hits[j]:
                proposed = SHADOW
                for level in _LEVELS if precision[j] >= MIN_LIFT * base_rate else ():
                    if level is Action.BLOCK and precision[j] < MIN_BLOCK_PRECISION:
                        continue
                    trial = np.where(hit[:, j], np.maximum(placed, level.severity), placed)
                    if _fits(trial, genuine_each, budget):
                        placed, proposed = trial, level.value
                        break
            elif current != SHADOW:
                placed = np.where(hit[:, j], np.maximum(placed, Action(current).severity), placed)
            out.append(RuleProposal(rule_id, budget.scope, int(hits[j]), float(hit[genuine, j].sum() / n_gen),
                                    float(precision[j]), float(fraud_hits[j] / n_fraud), current, proposed))
    return out


def _param_rules(spec: RulesetSpec) -> dict[str, tuple[str, ...]]:
    """Numeric params → the rules whose expression reads them."""
    out: dict[str, tuple[str, ...]] = {}
    for name, value in spec.params.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        pattern = re.compile(rf"\${re.escape(name)}\b")
        users = tuple(r.id for r in spec.rules if r.enabled and pattern.search(r.expression))
        if users:
            out[name] = users
    return out


def _grid(name: str, current: float, amounts: np.ndarray) -> list[float]:
    if "amount" in name and len(amounts):
        values = {float(np.round(np.quantile(amounts, q), -1 if current >= 100 else 0)) for q in AMOUNT_QUANTILES}
        values.add(float(current))
        return sorted(v for v in values if v > 0)
    integral = float(current).is_integer()
    values = {float(round(current * m)) if integral else round(current * m, 4) for m in MULTIPLIERS}
    if 0 < current <= 1 and not integral:  # a share or a percentile: never beyond 1
        values = {min(v, 1.0) for v in values}
    return sorted(values)


def tunable_params(spec: RulesetSpec) -> list[str]:
    """The numeric parameters some rule reads: what `propose_params` searches."""
    return list(_param_rules(spec))


def propose_params(spec: RulesetSpec, data: Labelled, policy: PolicySpec, only: Sequence[str] | None = None,
                   on_param: Callable[[str], None] | None = None) -> list[ParamProposal]:
    """`on_param(name)` is called after each parameter (a progress bar's hook)."""
    out: list[ParamProposal] = []
    groups = budget_groups(policy, data.branch_paths)
    amounts = np.array([float(cast("float | None", r.get("tx.amount")) or 0.0) for r in data.rows])
    for name, users in _param_rules(spec).items():
        if only is not None and name not in only:
            continue
        current = float(spec.params[name])  # type: ignore[arg-type]  # a param is a number or a list; calibration only proposes numbers
        # the other rules are switched off, not removed: scope overrides still name them
        subset = [r if r.id in users else r.model_copy(update={"enabled": False}) for r in spec.rules]
        for budget in policy.budgets:
            rows = groups[budget.scope]
            genuine_rows = rows & ~data.fraud
            if not genuine_rows.any():
                continue
            allowance = PER_RULE_SHARE * budget.challenge * len(users)
            best: tuple[float, float, float, float] | None = None  # (recall, is current, -share, value)
            measured: dict[float, tuple[float, float]] = {}
            for value in _grid(name, current, amounts[genuine_rows]):
                trial = spec.model_copy(update={"rules": tuple(subset),
                                                "params": {**spec.params, name: _typed(spec.params[name], value)}})
                ev = evaluate_rules(compile_ruleset(trial), data)
                any_hit = np.asarray(ev.hit.any(axis=1), dtype=bool)
                share = float(any_hit[genuine_rows].mean())
                frauds = rows & data.fraud
                recall = float(any_hit[frauds].mean()) if frauds.any() else 0.0
                measured[value] = (share, recall)
                rank = (recall, float(value == current), -share, value)
                if share <= allowance and (best is None or rank[:3] > best[:3]):
                    best = rank
            if best is None:  # nothing within the allowance: the strictest value measured
                value = min(measured, key=lambda v: (measured[v][0], -measured[v][1]))
            elif best[0] == 0.0 and current in measured and measured[current][0] <= allowance:
                value = current  # no value catches anything here: no evidence to move it
            else:
                value = best[3]
            share, recall = measured[value]
            out.append(ParamProposal(name, budget.scope, current, value, share, recall, users))
        if on_param is not None:
            on_param(name)
    return out


def _typed(original: object, value: float) -> int | float:
    return round(value) if isinstance(original, int) else float(value)


def calibrate(spec: RulesetSpec, data: Labelled, policy: PolicySpec, *, tune_params: bool = True,
              on_param: Callable[[str], None] | None = None) -> Proposal:
    """Parameters first (they change what the rules hit), then actions on the tuned ruleset."""
    params = propose_params(spec, data, policy, on_param=on_param) if tune_params else []
    tuned = {p.name: _typed(spec.params[p.name], p.proposed) for p in params if p.scope == "" and p.changed}
    if tuned:
        spec = spec.model_copy(update={"params": {**spec.params, **tuned}})
    ev = evaluate_rules(compile_ruleset(spec), data)
    return Proposal(policy.budgets, propose_actions(spec, ev, data, policy), params)


def apply_proposal(spec: RulesetSpec, proposal: Proposal) -> RulesetSpec:
    """The ruleset with the changed proposals in force: root settings on the rules, deeper ones as scopes.

    Scope overrides of the action of a rule re-decided at the root are dropped: the budget was measured with
    the proposed action everywhere."""
    root_params = {p.name: _typed(spec.params[p.name], p.proposed) for p in proposal.params
                   if p.scope == "" and p.changed}
    root_rules = {r.rule_id: r.proposed for r in proposal.rules if r.scope == "" and r.changed}
    rules = tuple(rule.model_copy(update=_rule_update(root_rules[rule.id])) if rule.id in root_rules else rule
                  for rule in spec.rules)
    # a scope override of a re-decided rule's action would undo the proposal under that scope
    scopes = {s.path: s.model_copy(update={"rules": {rid: o.model_copy(update={"action": None})
                                                     if rid in root_rules else o for rid, o in s.rules.items()}})
              for s in spec.scopes}
    for path in sorted({p.scope for p in proposal.params if p.scope} | {r.scope for r in proposal.rules if r.scope}):
        scope = scopes.get(path) or ScopeSpec(path=path, description="calibrated")
        params = {**scope.params, **{p.name: _typed(spec.params[p.name], p.proposed) for p in proposal.params
                                     if p.scope == path and p.changed}}
        overrides = dict(scope.rules)
        for r in proposal.rules:
            if r.scope == path and r.changed:
                overrides[r.rule_id] = RuleOverride.model_validate(_rule_update(r.proposed))
        scopes[path] = scope.model_copy(update={"params": params, "rules": overrides})
    return spec.model_copy(update={"params": {**spec.params, **root_params}, "rules": rules,
                                   "scopes": tuple(scopes.values())})


def _rule_update(proposed: str) -> dict[str, object]:
    return {"mode": Mode.SHADOW} if proposed == SHADOW else {"action": Action(proposed), "mode": Mode.ACTIVE}
