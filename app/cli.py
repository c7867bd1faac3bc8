"""`fraudstream` command line: worker, topics, demo, rules, and the offline tools."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer

import app.startup  # starts the worker's start-up timeline
import app.third_party_warnings  # noqa: F401 - before anything imports Quix Streams
from app.commands.settings_options import Bootstrap, Prefix, setting_option, settings_from

cli = typer.Typer(help="Real-time fraud detection on Kafka (Quix Streams or Faust).", no_args_is_help=True,
                  pretty_exceptions_enable=False)
topics_cli = typer.Typer(help="Create and inspect the pipeline's topics.", no_args_is_help=True)
cli.add_typer(topics_cli, name="topics")

@cli.command()
def worker(
    bootstrap: Bootstrap = None,
    topic_prefix: Prefix = None,
    datadir: Annotated[Path | None, setting_option("datadir", help="RocksDB state dir, one per worker")] = None,
    web_port: Annotated[int | None, setting_option("web_port", help="health/metrics port")] = None,
) -> None:
    """Run one stream-processing worker (add processes to scale out, up to the partition count)."""
    from app.worker import run_worker

    run_worker(settings_from(bootstrap_servers=bootstrap, topic_prefix=topic_prefix, datadir=datadir,
                             web_port=web_port))


@topics_cli.command("create")
def topics_create(bootstrap: Bootstrap = None, topic_prefix: Prefix = None) -> None:
    """Create every topic the pipeline uses (idempotent)."""
    from app.topics import ensure_topics

    created = asyncio.run(ensure_topics(settings_from(bootstrap_servers=bootstrap, topic_prefix=topic_prefix)))
    typer.echo(f"created {len(created)} topic(s): {', '.join(created) or '-'}")


def _mount_optional() -> None:
    """Sub-commands owned by other modules; each is a Typer app named `cli`."""
    from app.commands import mount

    mount(cli)


# `fraudstream worker` skips the offline tools' imports (model training, simulator, history import: about
# 1.5 s of a restart after a kill -9); every other command line, `--help` and importers get them all.
if sys.argv[1:2] != ["worker"]:
    _mount_optional()


def main() -> None:
    """Errors a user can act on end in one line with their code (`error[code]: what to do`), never a traceback."""
    from aiokafka.errors import KafkaConnectionError

    from app.commands.errors import EXIT_ERROR, error_line
    from app.settings import env_name
    from schemas.exceptions import ExtraMissingError, FraudstreamError
    from schemas.extras import EXTRA_OF, extra_missing

    try:
        cli(standalone_mode=True)
    except FraudstreamError as err:
        typer.echo(error_line(err.code, err), err=True)
        raise SystemExit(EXIT_ERROR) from None
    except ModuleNotFoundError as err:  # an optional module imported without `import_extra`: still one line
        top = (err.name or "").split(".")[0]
        if top not in EXTRA_OF:
            raise
        typer.echo(error_line(ExtraMissingError.code, extra_missing(top)), err=True)
        raise SystemExit(EXIT_ERROR) from None
    except KafkaConnectionError as err:
        hint = f"check --bootstrap / {env_name('bootstrap_servers')}"
        typer.echo(error_line("kafka_unreachable", f"{err}; {hint}"), err=True)
        raise SystemExit(EXIT_ERROR) from None


if __name__ == "__main__":
    main()
