"""Options every command group shares. Their environment names come from the settings (`env_name`), so a
variable is named in one place and `--help` shows it."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from app.commands.settings_options import Bootstrap, Prefix, setting_option, settings_from
from app.exceptions import ReplayError
from app.field_mapping import IDENTITY, FieldMapping, load_mapping, zone_of
from app.history_input import FileInput
from app.import_preview import preview, render_preview

__all__ = ["Author", "Bootstrap", "Prefix", "setting_option", "settings_from"]

Author = Annotated[str, typer.Option(default_factory=getpass.getuser, show_default="your user name",
                                     help="who does it (recorded on the control topic)")]


# The import of outside history (backtest, model history, replay): one set of options, one meaning.
MappingFile = Annotated[Path | None, typer.Option(
    "--mapping", exists=True, dir_okay=False,
    help="YAML/JSON field mapping for --input; its `labels:` section maps --labels (README: Mapping reference)")]
LabelsFile = Annotated[Path | None, typer.Option(
    "--labels", exists=True, dir_okay=False, help="labels file (JSONL/CSV/Parquet) for a non-simulator --input")]
TimeZone = Annotated[str | None, typer.Option(
    "--timezone", help="IANA zone of naive times in the files, e.g. Asia/Shanghai (wins over the mapping's)")]
MaxRejectShare = Annotated[float, typer.Option(
    "--max-reject-share", min=0.0, max=1.0,
    help="fail (exit 2, summary by code) when more than this share of rows is rejected")]
DryRun = Annotated[bool, typer.Option(
    "--dry-run", help="map the files only: show the first mapped rows and the rejects per code, then stop")]


def read_mapping(path: Path | None, timezone: str | None) -> FieldMapping | None:
    """The mapping file (if any) with `--timezone` applied; a zone alone maps columns by their names."""
    mapping = load_mapping(path) if path is not None else None
    zone = zone_of(timezone)
    if zone is None:
        return mapping
    return (mapping or IDENTITY).with_timezone(zone)


def file_input(path: Path | None, mapping: Path | None, labels: Path | None, timezone: str | None,
               max_reject_share: float) -> FileInput | None:
    """The `--input` file with its import options, or None when the history comes from elsewhere."""
    if path is None:
        return None
    return FileInput(path, read_mapping(mapping, timezone), labels, max_reject_share)


def dry_run_exit(source: FileInput | None, console: Console) -> typer.Exit:
    """`--dry-run`: preview the import and say how to exit (0 when a real run would pass, 2 otherwise)."""
    if source is None:
        raise ReplayError("--dry-run checks an import: give --input FILE (and --mapping, --labels)")
    return typer.Exit(0 if render_preview(preview(source), console) else 2)
