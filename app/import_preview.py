"""`--dry-run` of an import: the first mapped rows as a table, and every reject of the files counted by code.

It reads the whole file(s) through the same `map_row` a real run uses, so what it counts is exactly what
the run would reject; it decides nothing and publishes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from app.exceptions import TooManyRejects
from app.field_mapping import IDENTITY
from app.history_input import FileInput
from app.replay_sources import MODELS, file_rows
from app.row_import import RejectTally, RowReject, map_row


@dataclass
class FilePreview:
    path: Path
    tally: RejectTally
    first: list[dict[str, Any]] = field(default_factory=list)


def preview_file(path: Path, mapping: Any, kind: str, *, rows: int, max_share: float) -> FilePreview:
    """Map every row of `path` as `kind`; keep the first `rows` that pass and count every reject."""
    result = FilePreview(path, RejectTally(f"{kind}s {path}", max_share))
    model = MODELS[kind]
    for number, row in enumerate(file_rows(path), 1):
        result.tally.rows += 1
        mapped = map_row(row, mapping, model)
        if isinstance(mapped, RowReject):
            result.tally.rejected[mapped.code] += 1
            result.tally.examples.setdefault(mapped.code, f"row {number}: {mapped.message}")
        elif len(result.first) < rows:
            result.first.append(orjson.loads(mapped.value))
    return result


def preview(source: FileInput, *, rows: int = 5) -> list[FilePreview]:
    """The transactions file and, when given, the labels file."""
    files = [preview_file(source.path, source.mapping or IDENTITY, "transaction", rows=rows,
                          max_share=source.max_reject_share)]
    if source.labels_path is not None:
        files.append(preview_file(source.labels_path, source.label_mapping, "label", rows=rows,
                                  max_share=source.max_reject_share))
    return files


def _flat(value: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, Mapping):
            out.update(_flat(item, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = item
    return out


def render_preview(files: list[FilePreview], console: Console) -> bool:
    """Print each file's table and reject counts; True when every file is within the allowed share."""
    ok = True
    for item in files:
        flat = [_flat(v) for v in item.first]
        fields = list(dict.fromkeys(c for row in flat for c in row))
        table = Table(title=f"{item.path}: the first {len(flat)} mapped rows, one column each")
        table.add_column("field", no_wrap=True)
        for number in range(len(flat)):
            table.add_column(f"row {number + 1}", overflow="fold")
        for name in fields:
            table.add_row(name, *[str(row.get(name, "")) for row in flat])
        console.print(table)
        tally = item.tally
        if tally.rejected:
            counts = Table(title=f"{tally.rows} rows read, {tally.total_rejected} rejected")
            for column in ("code", "rows", "first example"):
                counts.add_column(column, overflow="fold")
            for code, count in tally.rejected.most_common():
                counts.add_row(code, str(count), tally.examples[code])
            console.print(counts)
        else:
            console.print(f"{tally.rows} rows read, 0 rejected")
        try:
            tally.check()
        except TooManyRejects as err:
            console.print(f"[red]a real run would fail:[/red] {escape(str(err).splitlines()[0])}", soft_wrap=True)
            ok = False
    return ok
