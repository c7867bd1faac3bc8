"""How a command ends on an error a user can act on: one line with the error's code, exit status 2."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from schemas.exceptions import FraudstreamError

EXIT_ERROR = 2


def error_line(code: str, message: object) -> str:
    """`error[code]: message`, the one shape every command's errors take (scripts can grep the code)."""
    return f"error[{code}]: {message}"


@contextmanager
def exit_on_error() -> Iterator[None]:
    """Turn a `FraudstreamError` inside a command into its one line on stderr and exit status 2.

    `app.cli.main` does the same for errors that escape a command; commands wrap their body in this so the
    outcome is the same when they run under Typer's test runner, which bypasses `main`.
    """
    try:
        yield
    except FraudstreamError as err:
        typer.echo(error_line(err.code, err), err=True)
        raise typer.Exit(EXIT_ERROR) from err
