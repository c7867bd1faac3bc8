"""Dockerfile: the worker image installs the package, runs as non-root and keeps state on a volume."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOCKERFILE = ROOT / "Dockerfile"
DATA_ROOT = "/var/lib/fraudstream"


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with comments dropped and line continuations joined."""
    out, pending = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, args = line.partition(" ")
        out.append((keyword.upper(), args.strip()))
    assert not pending, "dangling line continuation"
    return out


@pytest.fixture(scope="module")
def instructions() -> list[tuple[str, str]]:
    return _instructions(DOCKERFILE.read_text())


def _all(instructions: list[tuple[str, str]], keyword: str) -> list[str]:
    return [args for key, args in instructions if key == keyword]


def _last(instructions: list[tuple[str, str]], keyword: str) -> str:
    found = _all(instructions, keyword)
    assert found, f"no {keyword}"
    return found[-1]


def test_base_image_is_python_311_slim(instructions: list) -> None:
    assert _last(instructions, "FROM").split()[0] == "python:3.11-slim"


def test_installs_the_package_from_the_copied_source(instructions: list) -> None:
    sources = {}
    for args in _all(instructions, "COPY"):
        parts = [part for part in args.split() if not part.startswith("--")]
        sources.update({src: parts[-1] for src in parts[:-1]})
    workdir = _last(instructions, "WORKDIR")
    targets = {sources.get(".")} | ({"."} if sources.get(".") in {".", "./", workdir} else set())
    runs = " ".join(_all(instructions, "RUN"))
    installed = re.findall(r"pip install\s+((?:-\S+\s+)*)(\S+)", runs)
    assert any(target in targets for _, target in installed), f"no `pip install` of the source: {installed}"
    assert "-e" not in " ".join(flags for flags, _ in installed), "an editable install needs the source tree"


def test_runs_as_a_non_root_user_created_in_the_image(instructions: list) -> None:
    keywords = [key for key, _ in instructions]
    user = _last(instructions, "USER").split(":")[0]
    assert user not in {"root", "0"}
    assert keywords.index("USER") < keywords.index("ENTRYPOINT")
    runs = " ".join(_all(instructions, "RUN"))
    created = re.search(r"useradd\b.*?--uid\s+(\d+)", runs)
    assert created and created[1] == user, "USER must be the uid created by useradd"


def test_entrypoint_and_default_command(instructions: list) -> None:
    assert json.loads(_last(instructions, "ENTRYPOINT")) == ["fraudstream"]
    assert json.loads(_last(instructions, "CMD")) == ["worker"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert "fraudstream" in scripts, "the ENTRYPOINT must be a console script of the package"


def test_state_directory_is_a_volume_writable_by_the_user(instructions: list) -> None:
    volumes = json.loads(_last(instructions, "VOLUME"))
    assert DATA_ROOT in volumes
    user = _last(instructions, "USER").split(":")[0]
    runs = " ".join(_all(instructions, "RUN"))
    assert re.search(rf"chown\s+(-R\s+)?{user}(:\S+)?\s+{re.escape(DATA_ROOT)}\b", runs), (
        "the volume's mount point must belong to the runtime user (a named volume inherits it)"
    )
    keywords = [key for key, _ in instructions]
    assert keywords.index("VOLUME") > max(i for i, key in enumerate(keywords) if key == "RUN"), (
        "changes to a VOLUME path after its declaration are discarded"
    )


def test_admin_token_is_not_baked_into_the_image(instructions: list) -> None:
    for key in ("ENV", "ARG", "LABEL"):
        for args in _all(instructions, key):
            assert "ADMIN_TOKEN" not in args, f"{key} {args}"


def test_build_context_excludes_local_state_and_secrets() -> None:
    ignored = {
        line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", ".env"} <= ignored


def test_the_image_points_the_worker_at_the_copied_rules():
    text = (Path(__file__).resolve().parents[3] / "Dockerfile").read_text()
    for setting, name in (("RULESET", "starter.yaml"), ("POLICY", "policy.yaml"), ("RESPONSES", "responses.yaml")):
        assert f"FRAUDSTREAM_{setting}_PATH=/opt/fraudstream/rules/{name}" in text
        assert (Path(__file__).resolve().parents[3] / "rules" / name).exists()
    assert "cp -r /tmp/src/rules /opt/fraudstream/rules" in text
