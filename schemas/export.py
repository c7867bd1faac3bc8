"""Write (or check) the JSON Schema files that are the published interface."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from schemas import PUBLISHED_MODELS

SCHEMA_DIR = Path(__file__).resolve().parent / "json"


def render(name: str) -> str:
    schema = PUBLISHED_MODELS[name].model_json_schema(mode="serialization")
    schema["$id"] = f"https://fraudstream.example/schemas/{name}.schema.json"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def stale() -> list[str]:
    """Names whose checked-in file differs from the model."""
    return [n for n in PUBLISHED_MODELS if _path(n).read_text() != render(n)] if SCHEMA_DIR.exists() else list(
        PUBLISHED_MODELS
    )


def _path(name: str) -> Path:
    return SCHEMA_DIR / f"{name}.schema.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a checked-in schema is out of date")
    args = parser.parse_args(argv)
    if args.check:
        try:
            out_of_date = stale()
        except FileNotFoundError as err:
            out_of_date = [str(err)]
        if out_of_date:
            sys.stderr.write(f"stale schemas: {out_of_date}; run `python -m schemas.export`\n")
            return 1
        return 0
    SCHEMA_DIR.mkdir(exist_ok=True)
    for name in PUBLISHED_MODELS:
        _path(name).write_text(render(name))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
