"""CSV rows of a history file are read as `csv.DictReader` reads them, whatever the file's shape."""

import csv
import random
from pathlib import Path

from app.replay_sources import file_rows


def test_csv_rows_equal_dict_reader_on_ragged_blank_and_quoted_files(tmp_path: Path) -> None:
    rng = random.Random(41)
    cells = ("", "a", "1", "2.5", "x,y", 'say "hi"', "line\nbreak", " ")
    for n in range(120):
        lines = []
        for _ in range(rng.randint(0, 8)):
            width = rng.choice((0, 1, 3, 3, 3, 4, 5))
            lines.append([rng.choice(cells) for _ in range(width)])
        path = tmp_path / f"f{n}.csv"
        with open(path, "w", newline="", encoding="utf-8") as out:
            csv.writer(out).writerows(lines)
        with open(path, newline="", encoding="utf-8") as src:
            expected = list(csv.DictReader(src))
        assert list(file_rows(path)) == expected
