"""The decision policy: rule hits + model score + per org scope and channel thresholds → action."""

from risk.policy.combine import combine, combine_array
from risk.policy.decide import Outcome, budget_for, decide, thresholds_for
from risk.policy.exceptions import PolicyError, ScoreError
from risk.policy.loader import load_policy
from risk.policy.model import AlertBudget, Combiner, PolicySpec, Thresholds, parse_policy

__all__ = ["AlertBudget", "Combiner", "Outcome", "PolicyError", "PolicySpec", "ScoreError", "Thresholds",
           "budget_for", "combine", "combine_array", "decide", "load_policy", "parse_policy", "thresholds_for"]
