"""Scale-out over Redis (newswatch.scaleout): `newswatch writer`, the one process that writes
the store for crawl workers on any number of machines."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from newswatch.cli import main
from newswatch.cli.common import _fail, db_option, redis_option
from newswatch.locks import ALREADY_RUNNING_EXIT
from newswatch.store import StoreError, resolve_db_path


@main.command()
@redis_option("The Redis the workers share")
@db_option
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="Articles stored in one transaction at most.",
)
@click.option(
    "--batch-seconds",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="How long a batch waits for more articles once the first came.",
)
@click.option(
    "--idle-exit",
    type=click.FloatRange(min=0),
    default=None,
    metavar="S",
    help="Exit after S seconds with nothing to store [default: run until stopped].",
)
@click.option("-v", "--verbose", is_flag=True, help="Log a line per batch.")
def writer(
    redis_url: str | None,
    db_path: Path | None,
    batch: int,
    batch_seconds: float,
    idle_exit: float | None,
    verbose: bool,
) -> None:
    """Store what the crawl workers push to Redis: the one writer of the store.

    Takes the articles from Redis in batches, de-duplicates them, links them into stories and
    stores each batch in one transaction; only then acknowledges them, and tells the workers
    they are stored. A writer killed at any moment loses nothing: what it took and did not
    acknowledge is stored by the next one first. Crawl reports become rows of the crawls
    table (one per worker's share of a crawl).

    One writer per Redis and prefix: a second exits at once with one line (exit status 75).
    SIGTERM or Ctrl-C: the batch in hand is stored, then it exits 0. Exits 1, with one line,
    when the database refuses a write or Redis is unreachable (nothing is lost: start it
    again). Prints a summary line at exit; -v logs one line per batch.
    """
    from newswatch.scaleout.client import RedisFailure
    from newswatch.scaleout.writer import (
        StoreFailure,
        Writer,
        WriterAlreadyRunning,
        WriterLockLost,
        ack_delay_from_env,
    )

    if not redis_url:
        raise click.UsageError("no Redis: give --redis URL or set NEWSWATCH_REDIS")
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s newswatch writer: %(message)s",
        stream=sys.stderr,
    )
    the_writer = Writer(
        resolve_db_path(db_path),
        redis_url,
        batch=batch,
        batch_seconds=batch_seconds,
        idle_exit=idle_exit,
        ack_delay=ack_delay_from_env(),
    )
    try:
        the_writer.run()
    except WriterAlreadyRunning as refusal:
        click.echo(f"newswatch: {refusal}", err=True)
        sys.exit(ALREADY_RUNNING_EXIT)
    except (RedisFailure, StoreFailure, StoreError, WriterLockLost) as error:
        click.echo(the_writer.totals.line())
        _fail(str(error))
    click.echo(the_writer.totals.line())
