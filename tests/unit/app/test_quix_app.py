"""The Quix worker compiles its strategy on a thread of its own while it joins its group and opens its stores."""

from __future__ import annotations

import threading

import pytest

from app.quix_app import compile_in_background


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
