"""Helpers to phrase problems well: the 'did you mean' suggestion for unknown names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """Return " (did you mean 'x'?)" for the closest candidates, or '' when nothing is close.

    A bare feature name (no entity prefix) is matched against the part after the prefix, and every
    entity that has it is offered: `tx_count_1h` → 'account.tx_count_1h' or 'device.tx_count_1h' ...
    """
    pool = list(candidates)
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if "." not in name and any("." in c for c in pool):
        tails: dict[str, list[str]] = {}
        for c in pool:
            tails.setdefault(c.split(".", 1)[-1], []).append(c)
        hit = difflib.get_close_matches(name, list(tails), n=1, cutoff=0.75)
        if hit:
            close = tails[hit[0]][:4]
    if not close:
        return ""
    return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)"
