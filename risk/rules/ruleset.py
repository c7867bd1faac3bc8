"""`CompiledRuleset`: a checked ruleset ready to evaluate, one event at a time or in batches.

Compilation happens once per ruleset; the variant for a branch (its effective rules and parameters,
see `scope`) is compiled on first use and cached, both per branch path and per distinct effective scope,
so thousands of outlets sharing one configuration share one compiled variant.

    >>> from risk.rules.loader import parse_ruleset
    >>> spec = parse_ruleset('''
    ... version: "1"
    ... rules:
    ...   - {id: AMT_LARGE, expression: "tx.amount >= 50000", action: REVIEW, weight: 0.5,
    ...      reason_code: AMOUNT_LARGE, priority: 1}
    ... ''')
    >>> rs = compile_ruleset(spec)
    >>> [hit.rule_id for hit in rs.evaluate_one({"tx.amount": 80000.0}, "44/4401", 1_767_225_600_000)]
    ['AMT_LARGE']
    >>> rs.evaluate_one({"tx.amount": 80.0}, "44/4401", 1_767_225_600_000)
    []
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import structlog

from risk.features.catalog import FEATURES
from risk.rules import nodes as n
from risk.rules.analysis import Analysis, analyse, list_sets
from risk.rules.batch_eval import BatchContext
from risk.rules.compiler import CompiledPredicate, PredicateCompiler
from risk.rules.exceptions import BatchShapeError, FeatureTypeError, RulesetCompileError
from risk.rules.hits import BatchHits, Hit
from risk.rules.model import Mode, RulesetSpec
from risk.rules.scalar_eval import compile_scalar
from risk.rules.scope import resolve_scope

log = structlog.get_logger(__name__)
_MAX_CACHED_PATHS = 100_000


@dataclass(frozen=True)
class _Entry:
    col: int
    pred: CompiledPredicate
    hit: Hit
    valid_from: int | None
    valid_until: int | None


_NO_START = -(2**63)
_NO_END = 2**63


@dataclass(frozen=True)
class _Variant:
    entries: tuple[_Entry, ...]
    hits_by_col: dict[int, Hit]
    readers: tuple[tuple[str, Callable[[Any], Any]], ...]  # (feature, normaliser) used by this variant
    # the single-event plan: groups of (guard, members); a guard is a conjunct shared by every member's
    # top-level `and`, so when it is not true none of them can be, and the whole group is skipped
    guarded: tuple[tuple[Callable[[Any], Any] | None, tuple[_ScalarEntry, ...]], ...]


_ScalarEntry = tuple[int, Callable[[Any], Any], Hit, int, int]  # col, predicate, hit, valid_from, valid_until


def _plan(entries: Sequence[_Entry], lists: Mapping[str, frozenset[str]]) -> tuple[
        tuple[Callable[[Any], Any] | None, tuple[_ScalarEntry, ...]], ...]:
    """Group rules under the conjunct most of them share (e.g. `tx.tx_type == 'transfer'`)."""
    keyed = [e.pred.conjuncts for e in entries]
    counts: Counter[str] = Counter()
    for conjuncts in keyed:
        counts.update({k for k, _ in conjuncts})
    groups: dict[str | None, list[_ScalarEntry]] = {}
    guards: dict[str | None, n.Node] = {}
    for e, conjuncts in zip(entries, keyed, strict=True):
        best_key, best = max(conjuncts, key=lambda kc: counts[kc[0]])
        k = best_key if counts[best_key] >= 2 else None
        guards.setdefault(k, best)
        groups.setdefault(k, []).append((
            e.col, e.pred.one, e.hit, _NO_START if e.valid_from is None else e.valid_from,
            _NO_END if e.valid_until is None else e.valid_until))
    return tuple((None if k is None else compile_scalar(guards[k], lists), tuple(members))
                 for k, members in groups.items())


def content_hash(spec: RulesetSpec) -> str:
    """Short hash of the ruleset's content. List item order, mapping key order and where lists came from
    (inline or `list_files`) do not matter, so a bundled ruleset hashes like the files it came from."""
    data = spec.model_dump(mode="json", exclude={"list_files"})
    for lst in data.get("lists", {}).values():
        lst["items"] = sorted(lst["items"])
    blob = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def _num(name: str) -> Callable[[Any], float | None]:
    def read(v: Any) -> float | None:
        if v is None:
            return None
        if isinstance(v, float | int | np.number):
            x = float(v)
            return None if x != x else x
        raise FeatureTypeError(f"feature {name}: expected a number or None, got {v!r}")
    return read


def _bool(name: str) -> Callable[[Any], bool | None]:
    def read(v: Any) -> bool | None:
        if v is None:
            return None
        if isinstance(v, bool | int | float | np.number):
            x = float(v)
            return None if x != x else x != 0
        raise FeatureTypeError(f"feature {name}: expected a bool or None, got {v!r}")
    return read


def _str(name: str) -> Callable[[Any], str | None]:
    def read(v: Any) -> str | None:
        if v is None or isinstance(v, str):
            return v
        raise FeatureTypeError(f"feature {name}: expected a string or None, got {v!r}")
    return read


def _first(pair: tuple[int, Hit]) -> int:
    return pair[0]


_READERS = {"float": _num, "int": _num, "bool": _bool, "str": _str}


class CompiledRuleset:
    """Evaluate a ruleset; build it with `compile_ruleset`."""

    def __init__(self, spec: RulesetSpec, checked: Mapping[str, n.Node],
                 compiler: PredicateCompiler | None = None) -> None:
        self.spec = spec
        self.version = f"{spec.version}+{content_hash(spec)}"
        self.rule_ids: tuple[str, ...] = tuple(r.id for r in spec.rules)
        self._col = {rid: j for j, rid in enumerate(self.rule_ids)}
        self._checked = checked
        self._compiler = compiler if compiler is not None else PredicateCompiler(list_sets(spec))
        self._lists = self._compiler.lists
        self._by_path: dict[str, _Variant] = {}
        self._by_fingerprint: dict[tuple[object, ...], _Variant] = {}

    # --- variants -------------------------------------------------------------
    def _variant(self, branch_path: str) -> _Variant:
        variant = self._by_path.get(branch_path)
        if variant is not None:
            return variant
        effective = resolve_scope(self.spec, branch_path)
        fp = effective.fingerprint
        variant = self._by_fingerprint.get(fp)
        if variant is None:
            variant = self._by_fingerprint[fp] = self._build(effective.rules, effective.params)
            log.debug("rules.variant_compiled", branch_path=branch_path, rules=len(variant.entries))
        if len(self._by_path) >= _MAX_CACHED_PATHS:
            self._by_path.clear()
        self._by_path[branch_path] = variant
        return variant

    def _build(self, rules: Sequence[Any], params: Mapping[str, object]) -> _Variant:
        entries = []
        features: set[str] = set()
        for rule in rules:
            pred = self._compiler.compile(self._checked[rule.id], params)
            features |= pred.features
            hit = Hit(rule.id, rule.reason_code, rule.action.value, rule.weight, rule.priority,
                      rule.mode is Mode.SHADOW)
            entries.append(_Entry(self._col[rule.id], pred, hit, rule.valid_from, rule.valid_until))
        entries.sort(key=lambda e: e.col)
        readers = tuple((f, _READERS[FEATURES[f].dtype](f)) for f in sorted(features))
        return _Variant(tuple(entries), {e.col: e.hit for e in entries}, readers, _plan(entries, self._lists))

    def features_for(self, branch_paths: Iterable[str]) -> set[str]:
        """The features the rules in force on these branches read: the columns a batch needs."""
        names: set[str] = set()
        for path in set(branch_paths):
            names.update(name for name, _ in self._variant(path).readers)
        return names

    # --- evaluation -----------------------------------------------------------
    def evaluate_one(self, features: Mapping[str, object], branch_path: str, event_time_ms: int) -> list[Hit]:
        """Hits for one event, in ruleset order. Missing keys count as missing values."""
        variant = self._variant(branch_path)
        get = features.get
        env = {name: read(get(name)) for name, read in variant.readers}
        t = event_time_ms
        found: list[tuple[int, Hit]] = []
        append = found.append
        for guard, members in variant.guarded:
            if guard is not None and guard(env) is not True:
                continue
            # a plain loop: a generator per group cost more than the few predicates most groups run
            for col, one, hit, start, end in members:
                if start <= t < end and one(env) is True:
                    append((col, hit))
        found.sort(key=_first)
        return [hit for _, hit in found]

    def evaluate_batch(
        self, columns: Mapping[str, np.ndarray], branch_paths: Sequence[str], event_time_ms: np.ndarray
    ) -> BatchHits:
        """Hit matrix for a batch; rows may come from different branches. Absent columns are missing."""
        n_rows = len(branch_paths)
        times = np.asarray(event_time_ms, dtype=np.int64)
        if times.shape != (n_rows,):
            raise BatchShapeError(f"event_time_ms has shape {times.shape}, expected ({n_rows},)")
        for name, col in columns.items():
            if len(col) != n_rows:
                raise BatchShapeError(f"column {name} has {len(col)} rows, expected {n_rows}")
        ctx = BatchContext(columns, n_rows)
        variant_ids: dict[str, int] = {}
        variants: list[_Variant] = []
        fp_index: dict[int, int] = {}
        row_variant = np.empty(n_rows, dtype=np.int64)
        for i, path in enumerate(branch_paths):
            vid = variant_ids.get(path)
            if vid is None:
                variant = self._variant(path)
                vid = fp_index.get(id(variant))
                if vid is None:
                    vid = fp_index[id(variant)] = len(variants)
                    variants.append(variant)
                variant_ids[path] = vid
            row_variant[i] = vid
        matrix = np.zeros((n_rows, len(self.rule_ids)), dtype=bool, order="F")
        windows: dict[tuple[int | None, int | None], np.ndarray] = {}

        def window(e: _Entry) -> np.ndarray | None:
            if e.valid_from is None and e.valid_until is None:
                return None
            k = (e.valid_from, e.valid_until)
            mask = windows.get(k)
            if mask is None:
                mask = np.ones(n_rows, dtype=bool)
                if e.valid_from is not None:
                    mask &= times >= e.valid_from
                if e.valid_until is not None:
                    mask &= times < e.valid_until
                windows[k] = mask
            return mask

        if len(variants) == 1:
            for e in variants[0].entries:
                hit = e.pred.batch(ctx)
                w = window(e)
                matrix[:, e.col] = hit if w is None else hit & w
        elif variants:
            groups: dict[tuple[int, str], tuple[_Entry, np.ndarray]] = {}
            for vid, variant in enumerate(variants):
                rows = row_variant == vid
                for e in variant.entries:
                    k = (e.col, e.pred.key)
                    prev = groups.get(k)
                    groups[k] = (e, rows if prev is None else prev[1] | rows)
            for e, rows in groups.values():
                hit = e.pred.batch(ctx) & rows
                w = window(e)
                matrix[:, e.col] |= hit if w is None else hit & w
        return BatchHits(matrix, self.rule_ids, row_variant, tuple(v.hits_by_col for v in variants))


def compile_ruleset(spec: RulesetSpec, analysis: Analysis | None = None) -> CompiledRuleset:
    """Check everything and build the evaluator; raise `RulesetCompileError` listing every error.
    `analysis` is `analyse(spec)` when the caller has already run it (`rules validate`, `rules publish`)."""
    if analysis is None:
        analysis = analyse(spec)
    if analysis.errors:
        raise RulesetCompileError(analysis.errors)
    for warning in analysis.problems:
        log.warning("rules.warning", code=warning.code, rule_id=warning.rule_id, message=warning.message)
    compiled = CompiledRuleset(spec, analysis.checked, analysis.compiler)
    log.info("rules.compiled", version=compiled.version, rules=len(compiled.rule_ids))
    return compiled
