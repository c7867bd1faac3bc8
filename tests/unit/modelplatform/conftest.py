"""Shared synthetic data and a small trained split (session-scoped: training is the slow part)."""

from __future__ import annotations

import pytest

from modelplatform.dataset import Split, SplitSpec, parse_decision, parse_label, time_split
from modelplatform.train import LgbmParams

from .synth import DAY_MS, START, Synthetic, make_records, ms

SPLIT_MS = ms(START) + 7 * DAY_MS
SMALL_LGBM = LgbmParams(num_trees=40, num_leaves=15)


def split_of(data: Synthetic) -> Split:
    spec = SplitSpec(split_time_ms=SPLIT_MS, train_cutoff_ms=SPLIT_MS, eval_cutoff_ms=SPLIT_MS + 30 * DAY_MS)
    return time_split([parse_decision(r) for r in data.decisions], [parse_label(r) for r in data.labels], spec)


@pytest.fixture(scope="session")
def interaction() -> Synthetic:
    return make_records(2500, seed=3, pattern="interaction")


@pytest.fixture(scope="session")
def xor() -> Synthetic:
    return make_records(2500, seed=4, pattern="xor")


@pytest.fixture(scope="session")
def interaction_split(interaction) -> Split:
    return split_of(interaction)
