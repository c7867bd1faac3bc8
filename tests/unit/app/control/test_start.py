"""A starting worker compiles once, on a thread of its own: the versions the control topic names, else the files."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest
from structlog.testing import capture_logs

from app.control.holder import file_sources
from app.control.start import compile_in_background, first_holder, start_holder
from app.settings import Settings
from risk.strategy import StrategySources


def test_the_strategy_is_built_off_the_calling_thread_and_handed_over():
    built_on: list[str] = []

    def build() -> str:
        built_on.append(threading.current_thread().name)
        return "holder"

    assert compile_in_background(build).result(timeout=10) == "holder"
    assert built_on == ["compile"]


def test_a_strategy_that_does_not_compile_is_handed_over_as_the_error_the_worker_stops_with():
    def build() -> str:
        raise ValueError("rule r1: unknown feature 'amout'")

    compiling = compile_in_background(build)
    with pytest.raises(ValueError, match="amout"):
        compiling.result(timeout=10)


@pytest.fixture(scope="module")
def files() -> StrategySources:
    return file_sources(Settings())


def published_version(files: StrategySources, version: str) -> StrategySources:
    return dataclasses.replace(files, ruleset=files.ruleset.replace("version: 2026.11.1", f"version: {version}", 1),
                               ruleset_source=f"control:ruleset:{version}")


def test_the_published_versions_are_compiled_instead_of_the_files(files):
    holder = first_holder(files, published_version(files, "2026.12.9"))
    assert holder.versions_dict()["ruleset"].startswith("2026.12.9+")
    assert holder.sources.ruleset_source == "control:ruleset:2026.12.9"


def test_active_versions_that_do_not_compile_start_the_worker_on_the_files(files):
    broken = published_version(files, "2026.12.9")
    broken = dataclasses.replace(broken, ruleset=broken.ruleset.replace("tx.amount", "tx.amuont", 1))
    holder = first_holder(files, broken)
    assert holder.sources == files and holder.versions_dict()["ruleset"].startswith("2026.11.1+")


def test_without_the_admin_token_the_files_are_the_strategy_and_nothing_is_read(files):
    with capture_logs() as logs:
        holder = start_holder(Settings(bootstrap_servers="127.0.0.1:1"))  # nothing listens there
    assert holder.sources == files
    assert not [entry for entry in logs if entry["event"].startswith("control.")]  # no read was tried


def test_a_broker_that_does_not_answer_in_time_starts_the_worker_on_the_files(files):
    settings = Settings(bootstrap_servers="192.0.2.1:9092", admin_token="t", control_start_timeout_s=0.5)
    started = time.monotonic()
    with capture_logs() as logs:
        holder = start_holder(settings)  # TEST-NET-1: connections there hang rather than fail
    assert holder.sources == files and time.monotonic() - started < 5
    assert [entry["event"] for entry in logs if entry["log_level"] == "error"] == ["control.start_unread"]
