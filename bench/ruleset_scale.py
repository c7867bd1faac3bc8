"""Ruleset scale benchmark: how checking and applying a ruleset grows with its size (issue: 10k rules took
24 s to validate, 100k over 300 s, a 1M-item list a minute).

Each figure is CPU seconds and a ratio to a baseline measured in the same run, so it travels between machines:
- `validate` (what `rules validate` and `rules publish` do: parse the YAML, check every rule, fold it for
  every scope, build the evaluator) and `apply` (what a worker does with a published ruleset: parse, check,
  build, and compile the variants of three branches) for N rules, against parsing one rule's expression N
  times. Both ratios stay flat from 1k to 10k rules when the work is linear in the rules;
- loading a 100k-item list from YAML, against `json.loads` of the same document as JSON.

Run: `.venv/bin/python -m bench.ruleset_scale` (or call `main()`, which returns the figures).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import yaml

from bench.rules_bench import build_spec
from risk.rules import compile_ruleset, parse_list, parse_ruleset
from risk.rules.analysis import analyse
from risk.rules.parser import parse_expression

SIZES = (1_000, 10_000)
LIST_ITEMS = 100_000
BRANCHES = ("44/4401/440106/0012", "45/4501/450102/0003", "11/1101/110105/0002")
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _seconds(fn: Callable[[], object]) -> float:
    """CPU seconds of this process: single-threaded work, timed apart from whatever else shares the cores."""
    started = time.process_time()
    fn()
    return time.process_time() - started


def ruleset_text(n_rules: int) -> str:
    """The bench ruleset at `n_rules`, as a published (bundled) document."""
    spec = build_spec(n_rules)
    document = spec.model_dump(mode="json", exclude={"source", "list_files"}, exclude_defaults=True)
    return str(yaml.dump(document, Dumper=_DUMPER, sort_keys=False, allow_unicode=True))


def _parse_times(expression: str, n: int) -> None:
    for _ in range(n):
        parse_expression(expression)


def _validate(text: str) -> None:
    spec = parse_ruleset(text, "bench")
    compile_ruleset(spec, analyse(spec))


def _apply(text: str) -> None:
    ruleset = compile_ruleset(parse_ruleset(text, "bench"))
    for branch in BRANCHES:
        ruleset.evaluate_one({}, branch, 1_790_000_000_000)


def main() -> dict[str, float]:
    figures: dict[str, float] = {}
    one = build_spec(1).rules[0].expression
    for n in SIZES:
        text = ruleset_text(n)
        baseline = _seconds(partial(_parse_times, one, n))
        figures[f"parse_one_x{n}_s"] = baseline
        for what, run in (("validate", _validate), ("apply", _apply)):
            seconds = _seconds(partial(run, text))
            figures[f"{what}_{n}_s"] = seconds
            figures[f"{what}_{n}_ratio"] = seconds / baseline
    items = [f"D{i:09d}" for i in range(LIST_ITEMS)]
    document = {"name": "bench_devices", "kind": "device", "items": items}
    as_yaml, as_json = yaml.dump(document, Dumper=_DUMPER), json.dumps(document)
    figures["list_100k_s"] = _seconds(lambda: parse_list(as_yaml, "bench"))
    figures["list_100k_json_s"] = _seconds(lambda: json.loads(as_json))
    figures["list_100k_ratio"] = figures["list_100k_s"] / figures["list_100k_json_s"]
    _print(figures)
    return figures


def _print(f: dict[str, float]) -> None:
    rows = [("ruleset size", "seconds", "baseline s", "ratio")]
    for n in SIZES:
        for what in ("validate", "apply"):
            rows.append((f"{what} {n:,} rules", f"{f[f'{what}_{n}_s']:.2f}", f"{f[f'parse_one_x{n}_s']:.2f}",
                         f"{f[f'{what}_{n}_ratio']:.1f}x"))
    rows.append((f"list of {LIST_ITEMS:,} items", f"{f['list_100k_s']:.2f}", f"{f['list_100k_json_s']:.2f}",
                 f"{f['list_100k_ratio']:.1f}x"))
    width = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  ".join(c.ljust(width[i]) for i, c in enumerate(r)))


if __name__ == "__main__":
    main()
