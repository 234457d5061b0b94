"""The `newswatch` command: import and export seed-format files, and summarise the store.

Every command that touches the database takes `--db PATH` (else NEWSWATCH_DB, else
data/newswatch.db). Errors are one line on stderr and a non-zero exit, never a traceback.

The group is defined here; each module beside it adds one group of commands:

    common.py    what every command shares (the --db option, the store, one-line errors)
    files.py     import, export, extract, classify: seed-format files and saved pages
    crawling.py  crawl, demo, schedule, golden: crawling the outlets
    status.py    status, summary, report: what the store holds and how the crawls fare
    judgement.py topic fit, topic weights, rescore: teaching a topic, re-judging the store
    serve.py     serve: the store in Datasette
    alerts.py    alert, alert test: new and spreading stories to the analyst's channels
    probe.py     probe: first contact with the live sites, nothing stored
    fixtures.py  fixtures serve: a fixtures folder over HTTP, for NEWSWATCH_MIRROR
    scaleout.py  writer: the one writer of the store for crawl workers sharing Redis
    worker.py    worker, enqueue: crawl workers sharing Redis, and crawl jobs for them
"""

from __future__ import annotations

import sys

import click


class OneLineErrors(click.Group):
    """The command group whose usage errors (a bad option value, a missing argument) are one
    line on stderr, `newswatch: <reason>`, exit status 2, like every other error: not click's
    four lines of usage and hint."""

    def main(self, args=None, prog_name=None, complete_var=None, **extra):
        try:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as error:  # `newswatch` alone: the help
            error.show()
            sys.exit(error.exit_code)
        except click.ClickException as error:
            click.echo(f"newswatch: {error.format_message()}", err=True)
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("newswatch: aborted", err=True)
            sys.exit(1)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newswatch")
def main() -> None:
    """newswatch: follow one story across five news outlets, into SQLite."""


# Importing the command modules registers their commands on `main`.
from newswatch.cli import (  # noqa: E402, F401
    alerts,
    crawling,
    files,
    fixtures,
    judgement,
    probe,
    scaleout,
    serve,
    status,
    worker,
)
