from __future__ import annotations

from pathlib import Path

import pytest

from risk.policy import PolicyError, ScoreError, decide, load_policy, parse_policy, thresholds_for
from risk.rules import Hit

POLICY = parse_policy("""
version: p1
rule_weight: 0.6
model_weight: 0.4
score_reason_code: RISK_SCORE_HIGH
thresholds:
  - {scope: "", channel: "*", challenge: 0.5, review: 0.7, block: 0.9}
  - {scope: "", channel: api, challenge: 0.3, review: 0.6, block: 0.8}
  - {scope: "44", channel: "*", challenge: 0.4, review: 0.6, block: 0.85}
  - {scope: "44/4401", channel: mobile, challenge: 0.2, review: 0.5, block: 0.8}
""")


def _hit(rid: str, action: str = "REVIEW", weight: float = 0.5, priority: int = 100, shadow: bool = False,
         code: str | None = None) -> Hit:
    return Hit(rid, code or f"{rid}_CODE", action, weight, priority, shadow)


def test_no_hits_and_no_model_allows() -> None:
    out = decide([], None, "11/1101", "mobile", POLICY)
    assert (out.action, out.score, out.reason_codes) == ("ALLOW", 0.0, [])


def test_rule_score_combines_weights_as_independent_evidence() -> None:
    out = decide([_hit("A", "CHALLENGE", 0.5), _hit("B", "CHALLENGE", 0.5)], None, "11", "mobile", POLICY)
    assert out.rule_score == pytest.approx(0.75)


def test_most_severe_rule_action_wins_over_a_low_score() -> None:
    out = decide([_hit("A", "BLOCK", 0.1)], None, "11", "mobile", POLICY)
    assert out.action == "BLOCK"


def test_score_threshold_can_raise_the_action() -> None:
    out = decide([_hit("A", "CHALLENGE", 0.95)], None, "11", "mobile", POLICY)
    assert out.action == "BLOCK"


def test_model_score_is_blended_with_the_rule_score() -> None:
    out = decide([_hit("A", "CHALLENGE", 0.5)], 1.0, "11", "mobile", POLICY)
    assert out.score == pytest.approx(0.6 * 0.5 + 0.4 * 1.0)


def test_model_score_alone_can_trigger_review_with_its_reason_first() -> None:
    out = decide([_hit("A", "ALLOW", 0.6)], 1.0, "11", "mobile", POLICY)
    assert (out.action, out.reason_codes) == ("REVIEW", ["RISK_SCORE_HIGH", "A_CODE"])


def test_shadow_hits_never_change_action_or_score() -> None:
    out = decide([_hit("S", "BLOCK", 0.99, shadow=True)], None, "11", "mobile", POLICY)
    assert (out.action, out.score, out.reason_codes, [h.rule_id for h in out.shadow_hits]) == (
        "ALLOW", 0.0, [], ["S"])


def test_reason_codes_order_by_severity_then_priority_then_weight() -> None:
    hits = [_hit("C", "CHALLENGE", 0.1, 1), _hit("B2", "BLOCK", 0.1, 50), _hit("B1", "BLOCK", 0.1, 5),
            _hit("R1", "REVIEW", 0.1, 9), _hit("R2", "REVIEW", 0.2, 9)]
    out = decide(hits, None, "11", "mobile", POLICY)
    assert out.reason_codes[:5] == ["B1_CODE", "B2_CODE", "R2_CODE", "R1_CODE", "C_CODE"]


def test_duplicate_reason_codes_appear_once() -> None:
    out = decide([_hit("A", code="SAME"), _hit("B", code="SAME")], None, "11", "mobile", POLICY)
    assert out.reason_codes.count("SAME") == 1


@pytest.mark.parametrize(
    ("path", "channel", "expected"),
    [("11/1101", "mobile", ("", "*")), ("11/1101", "api", ("", "api")), ("44/4403", "mobile", ("44", "*")),
     ("44/4401/440106", "mobile", ("44/4401", "mobile")), ("44/4401/440106", "atm", ("44", "*")),
     ("441/1", "mobile", ("", "*"))],
)
def test_thresholds_come_from_the_deepest_scope_and_exact_channel(path: str, channel: str,
                                                                  expected: tuple[str, str]) -> None:
    t = thresholds_for(POLICY, path, channel)
    assert (t.scope, t.channel) == expected


def test_stricter_scope_thresholds_change_the_action() -> None:
    hits = [_hit("A", "ALLOW", 0.55)]
    assert (decide(hits, None, "11", "mobile", POLICY).action,
            decide(hits, None, "44/4401/1", "mobile", POLICY).action) == ("CHALLENGE", "REVIEW")


def test_model_score_out_of_range_is_rejected() -> None:
    with pytest.raises(ScoreError):
        decide([], 1.5, "11", "mobile", POLICY)


def test_policy_without_root_thresholds_is_rejected() -> None:
    with pytest.raises(PolicyError):
        parse_policy("version: x\nthresholds: [{scope: '44', challenge: 0.1, review: 0.2, block: 0.3}]")


def test_policy_with_unordered_thresholds_is_rejected() -> None:
    with pytest.raises(PolicyError):
        parse_policy("version: x\nthresholds: [{challenge: 0.5, review: 0.2, block: 0.9}]")


def test_policy_weights_must_sum_to_one() -> None:
    with pytest.raises(PolicyError):
        parse_policy("version: x\nrule_weight: 0.7\nmodel_weight: 0.7\n"
                     "thresholds: [{challenge: 0.1, review: 0.2, block: 0.3}]")


def test_shipped_policy_loads() -> None:
    policy = load_policy(Path(__file__).resolve().parents[3] / "rules" / "policy.yaml")
    assert thresholds_for(policy, "44/4401", "mobile").scope == "44"


@pytest.mark.parametrize(("path", "channel"), [("11/1101", "api"), ("44/4401/440106", "mobile"), ("44/4403", "atm")])
def test_thresholds_handed_in_decide_as_the_looked_up_ones_do(path: str, channel: str) -> None:
    """The strategy looks a branch's thresholds up once and hands them in: the same outcome as a lookup."""
    for score in (0.0, 0.45, 0.65, 0.95):
        hits = [_hit("A", "ALLOW", score)]
        assert (decide(hits, score, path, channel, POLICY, thresholds_for(POLICY, path, channel))
                == decide(hits, score, path, channel, POLICY))
