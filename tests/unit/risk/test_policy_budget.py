from __future__ import annotations

import pytest

from risk.policy import AlertBudget, PolicyError, budget_for, parse_policy
from schemas.common import Action

BASE = """
version: b1
thresholds:
  - {scope: "", channel: "*", challenge: 0.5, review: 0.7, block: 0.9}
"""


def test_a_policy_without_budgets_gets_the_default_root_budget() -> None:
    policy = parse_policy(BASE)
    assert policy.budgets == (AlertBudget(),)
    assert budget_for(policy, "44/4401").review == 0.005


def test_the_deepest_covering_budget_applies() -> None:
    policy = parse_policy(BASE + """
budgets:
  - {scope: "", challenge: 0.01, review: 0.005, block: 0.0005}
  - {scope: "44", challenge: 0.02, review: 0.004, block: 0.0002}
  - {scope: "44/4401", challenge: 0.03, review: 0.003, block: 0.0001}
""")
    assert budget_for(policy, "44/4401/440106").challenge == 0.03
    assert budget_for(policy, "44/4403").challenge == 0.02
    assert budget_for(policy, "45/4501").challenge == 0.01


def test_caps_are_cumulative_from_the_most_severe_action() -> None:
    budget = AlertBudget(challenge=0.01, review=0.005, block=0.0005)
    assert budget.at_least(Action.BLOCK) == pytest.approx(0.0005)
    assert budget.at_least(Action.REVIEW) == pytest.approx(0.0055)
    assert budget.at_least(Action.CHALLENGE) == pytest.approx(0.0155)


@pytest.mark.parametrize("budgets", ['[{scope: "44"}]', '[{scope: ""}, {scope: ""}]'])
def test_budgets_need_one_root_and_one_entry_per_scope(budgets: str) -> None:
    with pytest.raises(PolicyError, match="budgets need one root entry"):
        parse_policy(BASE + f"budgets: {budgets}\n")
