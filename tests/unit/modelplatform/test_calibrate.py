"""Calibration from an alert budget on a small labelled window built in memory."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import yaml

from modelplatform.calibrate import MIN_BLOCK_PRECISION, apply_proposal, calibrate, propose_params
from modelplatform.friction import Labelled, evaluate_rules, final_actions, friction, pooled
from modelplatform.thresholds import MIN_FRAUD, propose_thresholds, with_thresholds
from risk.policy import parse_policy
from risk.rules import compile_ruleset, parse_ruleset
from schemas.common import Action

RULES = """
version: t1
params:
  big_amount: 300
rules:
  - {id: R_BURST, expression: "account.tx_count_1h >= 10", action: REVIEW, weight: 0.5, reason_code: BURST}
  - {id: R_NOISY, expression: "tx.amount >= $big_amount", action: BLOCK, weight: 0.5, reason_code: NOISY}
  - {id: R_MID, expression: "tx.amount >= 900 and account.tx_count_1h >= 3", action: CHALLENGE, weight: 0.3,
     reason_code: MID}
"""
POLICY = parse_policy("""
version: p1
thresholds:
  - {scope: "", channel: "*", challenge: 0.2, review: 0.4, block: 0.6}
budgets:
  - {scope: "", challenge: 0.01, review: 0.005, block: 0.0005}
""")


@pytest.fixture(scope="module")
def window() -> Labelled:
    """10,000 genuine rows (amounts up to ~1,000, a few a hour) and 100 fraud rows: half bursts, half
    large amounts with some velocity."""
    rng = np.random.default_rng(3)
    rows = []
    fraud = []
    for i in range(10_000):
        rows.append({"tx.amount": float(rng.lognormal(4.5, 0.8)), "account.tx_count_1h": int(rng.integers(1, 4)),
                     "tx.branch_path": "44/4401", "tx.channel": "mobile"})
        fraud.append(False)
    for i in range(100):
        burst = i % 2 == 0
        rows.append({"tx.amount": float(rng.uniform(50, 300) if burst else rng.uniform(900, 3000)),
                     "account.tx_count_1h": int(rng.integers(10, 20) if burst else rng.integers(3, 6)),
                     "tx.branch_path": "44/4401", "tx.channel": "mobile"})
        fraud.append(True)
    n = len(rows)
    return Labelled(rows, [r["tx.branch_path"] for r in rows], np.full(n, 1_735_660_800_000, dtype=np.int64),
                    np.array(fraud), np.full(n, np.nan))


def test_rules_get_the_most_severe_action_the_budget_allows_and_noisy_ones_go_to_shadow(window):
    proposal = calibrate(parse_ruleset(RULES), window, POLICY, tune_params=False)
    by_id = {r.rule_id: r for r in proposal.rules}
    assert by_id["R_BURST"].precision == 1.0 and by_id["R_BURST"].proposed == Action.BLOCK.value
    assert by_id["R_NOISY"].genuine_share > 0.01 and by_id["R_NOISY"].proposed == "shadow"
    assert by_id["R_MID"].precision < MIN_BLOCK_PRECISION or by_id["R_MID"].proposed != "BLOCK"
    assert by_id["R_MID"].proposed in ("REVIEW", "CHALLENGE")
    spec = apply_proposal(parse_ruleset(RULES), proposal)
    ev = evaluate_rules(compile_ruleset(spec), window)
    measured = friction(ev.rule_action(), window.fraud)
    assert measured.genuine_share["BLOCK"] <= 0.0005 and measured.genuine_share["REVIEW"] <= 0.0055
    assert measured.fraud_recall >= 0.9  # what the shadowed rule caught, the others catch too


def test_the_yaml_proposal_names_changed_rules_and_params(window):
    proposal = calibrate(parse_ruleset(RULES), window, POLICY)
    doc = yaml.safe_load(proposal.to_yaml("rules.yaml"))
    assert doc["proposal_for"] == "rules.yaml"
    assert doc["rules"]["R_NOISY"] == {"mode": "shadow"} or doc["params"]["big_amount"] > 300
    assert doc["budgets"][0]["block"] == 0.0005


def test_an_amount_parameter_is_searched_over_the_scopes_own_amounts(window):
    (param,) = propose_params(parse_ruleset(RULES), window, POLICY)
    genuine = np.array([r["tx.amount"] for r, f in zip(window.rows, window.fraud, strict=True) if not f])
    assert param.name == "big_amount" and param.proposed > 300
    assert param.proposed in {round(float(np.quantile(genuine, q)), -1) for q in (0.9, 0.95, 0.98, 0.99, 0.995, 0.999)}
    assert param.genuine_share <= 0.2 * 0.01


def test_score_thresholds_keep_genuine_friction_inside_the_budget(window):
    spec = parse_ruleset(RULES.replace("action: BLOCK", "action: ALLOW").replace("action: REVIEW", "action: ALLOW")
                         .replace("action: CHALLENGE", "action: ALLOW"))
    ev = evaluate_rules(compile_ruleset(spec), window)
    proposals = propose_thresholds(POLICY, ev, window)
    calibrated = with_thresholds(POLICY, proposals)
    t = calibrated.thresholds[0]
    assert t.challenge <= t.review <= t.block
    before = friction(final_actions(POLICY, ev, window), window.fraud)
    after = friction(final_actions(calibrated, ev, window), window.fraud)
    assert before.genuine_share["BLOCK"] > 0.0005  # the hand-set thresholds block the noisy amounts
    assert after.genuine_share["BLOCK"] <= 0.0005
    assert after.genuine_share["BLOCK"] + after.genuine_share["REVIEW"] <= 0.0055
    assert after.genuine_not_allowed <= 0.0155
    assert after.fraud_recall >= 0.5  # the bursts, whose rule score no genuine row reaches


SCORE_ONLY = """
version: t2
rules:
  - {id: R_BURST, expression: "account.tx_count_1h >= 10", action: ALLOW, weight: 0.6, reason_code: BURST}
  - {id: R_HABIT, expression: "tx.amount >= 600 and account.tx_count_1h <= 2", action: ALLOW, weight: 0.2,
     reason_code: HABIT}
"""
SCOPED = parse_policy("""
version: p2
thresholds:
  - {scope: "", channel: "*", challenge: 0.45, review: 0.7, block: 0.9}
  - {scope: "44", channel: "*", challenge: 0.1, review: 0.5, block: 0.8}
budgets:
  - {scope: "", challenge: 0.01, review: 0.005, block: 0.0005}
""")


def _scoped_proposal(window: Labelled):
    ev = evaluate_rules(compile_ruleset(parse_ruleset(SCORE_ONLY)), window)
    calibrated = with_thresholds(SCOPED, propose_thresholds(SCOPED, ev, window))
    return calibrated, friction(final_actions(calibrated, ev, window), window.fraud)


def test_a_threshold_goes_no_lower_than_the_fraud_it_catches(window):
    """The budget would allow a CHALLENGE at the floor, where the score-only habit rule (no fraud among its
    ~0.6% genuine hits) would challenge every hit; the bursts are all caught at the burst rule's weight."""
    calibrated, after = _scoped_proposal(window)
    assert calibrated.thresholds[1].challenge == 0.6
    assert after.genuine_not_allowed == 0.0 and after.fraud_recall == 0.5


def test_a_scope_without_enough_fraud_follows_its_parent(window):
    few = np.flatnonzero(window.fraud)[:MIN_FRAUD - 1]
    keep = np.concatenate([np.flatnonzero(~window.fraud), few])
    thin = Labelled([window.rows[i] for i in keep], [window.branch_paths[i] for i in keep], window.times_ms[keep],
                    window.fraud[keep], window.model_score[keep])
    calibrated, after = _scoped_proposal(thin)
    root, guangdong = calibrated.thresholds
    assert (guangdong.challenge, guangdong.review, guangdong.block) == (root.challenge, root.review, root.block)
    assert after.genuine_not_allowed == 0.0


def test_pooled_histories_keep_the_budget_in_each(window):
    """A small second history where the burst rule also hits a few genuine customers: pooled, its 0.3% of
    that history's genuine rows hide under the big one's (BLOCK would fit the sum); per history it is REVIEW."""
    rows = [{"tx.amount": 80.0, "account.tx_count_1h": 12 if i < 3 else 1, "tx.branch_path": "44/4401",
             "tx.channel": "mobile"} for i in range(1_000)]
    rows += [{"tx.amount": 80.0, "account.tx_count_1h": 15, "tx.branch_path": "44/4401", "tx.channel": "mobile"}] * 30
    fraud = np.array([False] * 1_000 + [True] * 30)
    small = Labelled(rows, [r["tx.branch_path"] for r in rows], np.full(len(rows), 1_735_660_800_000, dtype=np.int64),
                     fraud, np.full(len(rows), np.nan))
    def burst_action(data: Labelled) -> str:
        proposal = calibrate(parse_ruleset(RULES), data, POLICY, tune_params=False)
        return next(r.proposed for r in proposal.rules if r.rule_id == "R_BURST")

    both = pooled([window, small])
    alone, summed, each = burst_action(window), burst_action(replace(both, history=None)), burst_action(both)
    assert alone == summed == Action.BLOCK.value
    assert each == Action.REVIEW.value


def test_pooled_histories_bound_the_thresholds_in_each(window):
    """3% of a small history's genuine rows score like the bursts: the sum would let the score act on them."""
    rows = [{"tx.amount": 80.0, "account.tx_count_1h": 12 if i < 30 else 1, "tx.branch_path": "44/4401",
             "tx.channel": "mobile"} for i in range(1_000)]
    small = Labelled(rows, [r["tx.branch_path"] for r in rows], np.full(len(rows), 1_735_660_800_000, dtype=np.int64),
                     np.zeros(len(rows), dtype=bool), np.full(len(rows), np.nan))
    both = pooled([window, small])
    summed, _ = _scoped_proposal(replace(both, history=None))
    each, _ = _scoped_proposal(both)
    assert summed.thresholds[1].challenge == 0.6
    assert each.thresholds[1].challenge > 0.6
