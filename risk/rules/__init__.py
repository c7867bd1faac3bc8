"""The rule engine: a safe expression language over catalogue features, compiled once per ruleset and
evaluated per event or per numpy batch. See LANGUAGE.md for the language.

Missing values (None, NaN, absent key/column) follow Kleene three-valued logic: arithmetic, comparisons,
`in`/`between` and `not` with a missing operand are missing; `and` is false if any operand is false,
`or` is true if any is true, otherwise missing wins; `is_null`/`coalesce` turn missing into values. A rule
hits only when its condition is known true, so a missing value never fires a rule by itself.

    spec = load_ruleset("rules/starter.yaml")          # or parse_ruleset(text, source)
    ruleset = compile_ruleset(spec)                     # raises RulesetCompileError with every problem
    hits = ruleset.evaluate_one(features, "44/4401/440106/0012", event_time_ms)
    batch = ruleset.evaluate_batch(columns, branch_paths, event_time_ms)   # batch.matrix, batch.hits(i)
"""

from risk.rules.exceptions import Problem, RuleError, RulesetCompileError, RulesetLimitError
from risk.rules.hits import BatchHits, Hit
from risk.rules.limits import DEFAULT_RULESET_LIMITS, RulesetLimits
from risk.rules.loader import load_list, load_ruleset, parse_list, parse_ruleset
from risk.rules.model import Mode, NamedList, RulesetSpec, RuleSpec
from risk.rules.ruleset import CompiledRuleset, compile_ruleset
from risk.rules.validate import RulesetDiff, analyse_file, diff_rulesets, validate, validate_file, validate_spec
from schemas.common import Action

__all__ = [
    "DEFAULT_RULESET_LIMITS",
    "Action",
    "BatchHits",
    "CompiledRuleset",
    "Hit",
    "Mode",
    "NamedList",
    "Problem",
    "RuleError",
    "RuleSpec",
    "RulesetCompileError",
    "RulesetDiff",
    "RulesetLimitError",
    "RulesetLimits",
    "RulesetSpec",
    "analyse_file",
    "compile_ruleset",
    "diff_rulesets",
    "load_list",
    "load_ruleset",
    "parse_list",
    "parse_ruleset",
    "validate",
    "validate_file",
    "validate_spec",
]
