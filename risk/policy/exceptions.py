"""Typed errors of the decision policy."""

from __future__ import annotations

from risk.exceptions import RiskError


class PolicyError(RiskError):
    """A policy document is invalid; `problems` lists every reason."""

    code = "policy_invalid"

    def __init__(self, problems: list[str], source: str = "<text>") -> None:
        self.problems = problems
        self.source = source
        super().__init__(f"{source}: " + "; ".join(problems))


class ScoreError(RiskError):
    """A model score outside [0, 1] was passed to `decide`."""

    code = "score_out_of_range"
