"""`fixtures serve`: a fixtures folder served over HTTP, for crawls with NEWSWATCH_MIRROR."""

from __future__ import annotations

from pathlib import Path

import click

from newswatch.cli import main
from newswatch.cli.common import _fail, host_option


@main.group()
def fixtures() -> None:
    """Fixture folders: saved responses (a body and a JSON sidecar) that crawls read offline."""


@fixtures.command("serve")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@host_option
def serve(directory: Path, port: int, host: str) -> None:
    """Serve the fixtures below DIRECTORY over HTTP, as `GET /<host>/<path>` for the saved
    https://<host>/<path>, until Ctrl-C or SIGTERM. Crawl them with
    `scrapy crawl unian -s NEWSWATCH_MIRROR=<the address it prints>`."""
    import signal
    import threading

    from newswatch.fixtures import fixture_server, load_fixtures, server_url

    index = load_fixtures([directory])
    if not index:
        _fail(f"no fixtures in {directory}: no saved body with a .json sidecar naming its url")
    try:
        server = fixture_server(index, host, port)
    except OSError as error:
        _fail(f"cannot listen on {host}:{port}: {error.strerror or error}")

    def stop(signum, _frame) -> None:
        # shutdown() waits for serve_forever() to return: it cannot run in its thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    address = server_url(server)
    click.echo(f"serving {len(index)} fixtures from {directory} at {address}")
    click.echo(f"NEWSWATCH_MIRROR={address}")
    try:
        server.serve_forever()
    finally:
        server.server_close()
