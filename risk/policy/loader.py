"""Reads a policy file; the only module of the policy package that touches the filesystem."""

from __future__ import annotations

from pathlib import Path

from risk.policy.model import PolicySpec, parse_policy


def load_policy(path: str | Path) -> PolicySpec:
    p = Path(path)
    return parse_policy(p.read_text(encoding="utf-8"), str(p))
