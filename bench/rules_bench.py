"""Rule-engine benchmark: 500 rules (the starter rules replicated with varied thresholds) over random rows.

Measures batched throughput (batch of 1,000, tx/s) and single-event latency (p50/p99 µs), each next to a
baseline measured in the same run on the same machine, so the ratios travel between machines:
- batch baseline: one plain numpy `amount >= x` over the batch, repeated once per rule;
- single baseline: one Python dict lookup and comparison per rule.

Run: `.venv/bin/python -m bench.rules_bench` (or call `main()`, which returns the figures).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from risk.features.catalog import FEATURES
from risk.rules import RulesetSpec, RuleSpec, compile_ruleset, load_ruleset

N_RULES = 500
BATCH = 1_000
BRANCHES = ["44/4401/440106/0012", "44/4401/440103/0001", "44/4403/440305/0007", "45/4501/450102/0003",
            "11/1101/110105/0002", "33/3301/330106/0010"]
STRINGS: dict[str, Sequence[str | None]] = {
    "tx.channel": ["mobile", "online", "quickpay", "counter", "atm", "pos", "api"],
    "tx.tx_type": ["transfer", "payment", "withdrawal", "deposit", "bill_payment"],
    "tx.currency": ["CNY"] * 9 + ["USD"],
    "tx.counterparty_bank": ["B0001", "B0002", "B9901", None],
    "tx.counterparty_kind": ["account", "merchant", None],
}
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def build_spec(n_rules: int = N_RULES) -> RulesetSpec:
    """The starter rules, replicated with thresholds scaled per replica and params inlined."""
    base = load_ruleset(Path(__file__).resolve().parent.parent / "rules" / "starter.yaml")
    rules: list[RuleSpec] = []
    k = 0
    while len(rules) < n_rules:
        scale = 1.0 + 0.07 * k

        def inline(m: re.Match[str], scale: float = scale) -> str:
            v = base.params[m.group(1)]
            if isinstance(v, list):
                return "(" + ", ".join(repr(x) for x in v) + ")"
            if isinstance(v, bool):
                return str(v).lower()
            return repr(round(v * scale, 3)) if isinstance(v, int | float) else repr(v)

        for rule in base.rules:
            if len(rules) >= n_rules:
                break
            expr = rule.expression if k == 0 else _PARAM.sub(inline, rule.expression)
            rules.append(rule.model_copy(update={"id": f"{rule.id}_{k}", "expression": expr}))
        k += 1
    scopes = [s.model_copy(update={"rules": {f"{rid}_0": o for rid, o in s.rules.items()},
                                   "disable": tuple(f"{r}_0" for r in s.disable)}) for s in base.scopes]
    return base.model_copy(update={"rules": tuple(rules), "scopes": tuple(scopes)})


def random_columns(n: int, seed: int = 7) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {}
    for name, spec in FEATURES.items():
        if spec.dtype == "str":
            vocab = STRINGS.get(name) or [f"{name.split('.')[1]}-{i}" for i in range(50)] + [None]
            cols[name] = np.array([vocab[i] for i in rng.integers(0, len(vocab), n)], dtype=object)
        elif spec.dtype == "bool":
            cols[name] = (rng.random(n) < 0.15).astype(np.float64)
        elif "amount" in name and "ratio" not in name and "zscore" not in name:
            cols[name] = np.round(rng.lognormal(8.5, 1.6, n), 2)
        elif spec.dtype == "int":
            cols[name] = rng.poisson(3, n).astype(np.float64)
        else:
            cols[name] = rng.exponential(60, n)
        if spec.nullable or spec.dtype != "str":
            missing = rng.random(n) < (0.2 if spec.nullable else 0.02)
            if spec.dtype == "str":
                cols[name][missing] = None
            else:
                cols[name][missing] = np.nan
    cols["tx.hour"] = rng.integers(0, 24, n).astype(np.float64)
    cols["tx.customer_age"] = rng.integers(18, 90, n).astype(np.float64)
    return cols


def _row(cols: dict[str, np.ndarray], i: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, col in cols.items():
        v = col[i]
        if isinstance(v, float | np.floating):
            v = None if np.isnan(v) else float(v)
        out[name] = v
    return out


def main() -> dict[str, float]:
    spec = build_spec()
    t0 = time.perf_counter()
    ruleset = compile_ruleset(spec)
    compile_s = time.perf_counter() - t0
    cols = random_columns(BATCH)
    rng = np.random.default_rng(11)
    paths = [BRANCHES[i] for i in rng.integers(0, len(BRANCHES), BATCH)]
    times = np.full(BATCH, 1_790_000_000_000, dtype=np.int64)
    ruleset.evaluate_batch(cols, paths, times)  # compile the branch variants once

    reps = 20
    t0 = time.perf_counter()
    for _ in range(reps):
        hits = ruleset.evaluate_batch(cols, paths, times)
    batch_s = (time.perf_counter() - t0) / reps
    amount = cols["tx.amount"]
    t0 = time.perf_counter()
    for _ in range(reps):
        for j in range(N_RULES):
            _ = amount >= 1000.0 + j
    base_batch_s = (time.perf_counter() - t0) / reps

    rows = [_row(cols, i) for i in range(BATCH)]
    for i in range(50):
        ruleset.evaluate_one(rows[i], paths[i], int(times[i]))
    lat = np.empty(BATCH)
    for i in range(BATCH):
        t = time.perf_counter()
        ruleset.evaluate_one(rows[i], paths[i], int(times[i]))
        lat[i] = time.perf_counter() - t
    base_lat = np.empty(BATCH)
    thresholds = [1000.0 + j for j in range(N_RULES)]
    for i in range(BATCH):
        row = rows[i]
        t = time.perf_counter()
        _ = [row["tx.amount"] is not None and row["tx.amount"] >= x for x in thresholds]
        base_lat[i] = time.perf_counter() - t

    figures = {
        "rules": float(len(ruleset.rule_ids)),
        "compile_s": compile_s,
        "batch_tx_per_s": BATCH / batch_s,
        "batch_ms": batch_s * 1e3,
        "baseline_batch_ms": base_batch_s * 1e3,
        "batch_ratio_to_baseline": batch_s / base_batch_s,
        "hit_rate": float(hits.matrix.mean()),
        "single_p50_us": float(np.percentile(lat, 50) * 1e6),
        "single_p99_us": float(np.percentile(lat, 99) * 1e6),
        "baseline_single_p50_us": float(np.percentile(base_lat, 50) * 1e6),
        "single_ratio_to_baseline_p50": float(np.percentile(lat, 50) / np.percentile(base_lat, 50)),
    }
    _print(figures)
    return figures


def _print(f: dict[str, float]) -> None:
    rows = [
        ("rules", f"{f['rules']:.0f}", "compile", f"{f['compile_s'] * 1e3:.0f} ms"),
        ("batch 1,000: tx/s", f"{f['batch_tx_per_s']:,.0f}", "target", ">= 50,000"),
        ("batch 1,000: ms", f"{f['batch_ms']:.2f}", "baseline ms", f"{f['baseline_batch_ms']:.2f}"),
        ("batch ratio to baseline", f"{f['batch_ratio_to_baseline']:.1f}x", "hit rate", f"{f['hit_rate']:.4f}"),
        ("single p50 µs", f"{f['single_p50_us']:.0f}", "baseline p50 µs", f"{f['baseline_single_p50_us']:.0f}"),
        ("single p99 µs", f"{f['single_p99_us']:.0f}", "target", "<= 1,000"),
        ("single ratio to baseline", f"{f['single_ratio_to_baseline_p50']:.1f}x", "", ""),
    ]
    width = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  ".join(c.ljust(width[i]) for i, c in enumerate(r)))


if __name__ == "__main__":
    main()
