"""`serve`: the store in Datasette, with newswatch's metadata."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from newswatch.cli import main
from newswatch.cli.common import _check_store, _fail, db_option, existing_store_path, host_option

SQL_TIME_LIMIT_MS = 3000  # any query, canned or typed, is stopped after this
MAX_RETURNED_ROWS = 1000  # rows a query returns at most (the memory bound: HEAP_LIMIT_MB)


@main.command()
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8001,
    show_default=True,
    help="Port to listen on.",
)
@host_option
@db_option
def serve(port: int, host: str, db_path: Path | None) -> None:
    """Open the store in Datasette, with newswatch's metadata (descriptions, newest-first
    sorting, facets, canned queries, the Atom feed at /<db>/feed.atom). Read-only: Datasette
    runs SELECT queries only, each stopped after 3 s, at most 1,000 rows, SQLite's memory
    bounded at 128 MB; the database's folder is not shown."""
    import os
    import tempfile

    from newswatch.datasette.metadata import write_metadata
    from newswatch.lemmas import cache_dir

    path = existing_store_path(db_path)  # never created here: a mistyped --db is an error
    _check_store(path)  # migrate it first, so Datasette sees the whole schema
    _check_address(host, port)
    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        metadata = write_metadata(folder, path.stem)
    except OSError:
        metadata = write_metadata(Path(tempfile.mkdtemp(prefix="newswatch-")), path.stem)
    command = [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        path.name,  # from its own folder: /-/databases.json then shows no absolute path
        "-m",
        str(metadata.resolve()),
        "--host",
        host,
        "--port",
        str(port),
        *("--setting", "sql_time_limit_ms", str(SQL_TIME_LIMIT_MS)),
        *("--setting", "max_returned_rows", str(MAX_RETURNED_ROWS)),
    ]
    click.echo(f"newswatch in Datasette: http://{host}:{port}/ (the desk; the store: /{path.stem})")
    sys.stdout.flush()
    # Datasette takes this process's place: a SIGTERM or Ctrl-C (a supervisor stopping the
    # service) reaches the server itself, and no server is left running without its parent.
    os.chdir(path.parent)
    os.execv(sys.executable, command)


def _check_address(host: str, port: int) -> None:
    """Fail with one line, before Datasette starts, when it could not listen on host:port (a
    port in use, an address that is not this machine's, a name that does not resolve)."""
    import socket

    try:
        socket.create_server((host, port)).close()
    except OSError as error:
        _fail(f"cannot listen on {host}:{port}: {error.strerror or error}")
