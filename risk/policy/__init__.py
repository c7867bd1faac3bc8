"""The decision policy: rule hits + model score + per org scope and channel thresholds → action."""

from risk.policy.decide import Outcome, decide, thresholds_for
from risk.policy.exceptions import PolicyError, ScoreError
from risk.policy.loader import load_policy
from risk.policy.model import PolicySpec, Thresholds, parse_policy

__all__ = ["Outcome", "PolicyError", "PolicySpec", "ScoreError", "Thresholds", "decide", "load_policy",
           "parse_policy", "thresholds_for"]
