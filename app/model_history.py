"""`model history` composed: the strategy from the settings' files, the input from a simulation or a file.

`modelplatform.history` records whatever it is fed with whatever strategy it is given; this module is
where settings turn into those (the shipped ruleset, policy and responses, plus optional model artifacts)
and where a bank's export turns into the agents' input records (`app.history_input`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from app.control.holder import file_sources
from app.history_input import FileInput
from app.settings import Settings
from modelplatform.history import HistoryMeta, Origin, record_history
from risk.strategy import StrategySources


def shipped_sources(settings: Settings, *, champion: str | None = None,
                    challenger: str | None = None) -> StrategySources:
    """The configured ruleset, policy and responses (what a worker serves before any control record), plus
    optional model artifact texts."""
    return dataclasses.replace(file_sources(settings), champion=champion, challenger=challenger)


def history_from_file(source: FileInput, out: Path, sources: StrategySources) -> HistoryMeta:
    """A bank's export (and labels) through the import path, streamed into a history directory; the meta
    (and so every model card trained on it) names the files."""
    return record_history(source.feeds(), out, sources=sources, origin=Origin(source=source.source))
