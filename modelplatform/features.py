"""Which catalogue features a model reads, and the vocabularies of its string categoricals.

Identifiers (account, customer, device, payee, IP, branch path, location cell) are left out: they are
high-cardinality keys whose risk is already summarised by the entity features, and a model that memorises
ids does not generalise to tomorrow's mule accounts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from risk.features.catalog import FEATURES

IDENTIFIERS = frozenset({
    "tx.account_id", "tx.customer_id", "tx.device_id", "tx.counterparty_id", "tx.ip", "tx.branch_path",
    "location.cell",
})


def model_features(*, include_categoricals: bool = True) -> tuple[str, ...]:
    """Catalogue order, identifiers removed; without categoricals for the numeric-only baseline."""
    return tuple(name for name, spec in FEATURES.items()
                 if name not in IDENTIFIERS and (include_categoricals or spec.dtype != "str"))


def categorical_features(names: Sequence[str]) -> tuple[str, ...]:
    return tuple(name for name in names if FEATURES[name].dtype == "str")


def build_vocabularies(rows: Iterable[Mapping[str, object]], names: Sequence[str], *, max_size: int = 64,
                       min_count: int = 5) -> dict[str, tuple[str, ...]]:
    """Most frequent values first (ties by value); rarer values share the unknown code at scoring."""
    counters: dict[str, Counter[str]] = {name: Counter() for name in names}
    for row in rows:
        for name in names:
            value = row.get(name)
            if isinstance(value, str):
                counters[name][value] += 1
    vocabs = {}
    for name, counter in counters.items():
        ranked = sorted((v for v, c in counter.items() if c >= min_count), key=lambda v: (-counter[v], v))
        vocabs[name] = tuple(ranked[:max_size])
    return vocabs
