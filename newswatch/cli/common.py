"""What every command shares: the --db and -v options, crawl settings, the store created and
seeded (by the commands that write) or only opened (by those that read), and failing with one
line on stderr."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from newswatch.store import StoreError, open_store, resolve_db_path

db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite database [default: $NEWSWATCH_DB or data/newswatch.db].",
)


def topic_option(default: str):
    """--topic FILE (repeatable): the topic files to score against."""
    return click.option(
        "--topic",
        "topic_files",
        multiple=True,
        type=click.Path(path_type=Path),
        help=f"A topic file (repeatable) [default: {default}].",
    )


verbose_option = click.option("-v", "--verbose", is_flag=True, help="Show the crawl log.")


def _settings(db_path: Path | None, verbose: bool):
    from newswatch.runner import project_settings

    overrides = {"LOG_LEVEL": "INFO" if verbose else "ERROR"}
    if db_path is not None:
        overrides["NEWSWATCH_DB"] = str(db_path)
    return project_settings(overrides)


def _crawl_settings(
    db_path: Path | None,
    verbose: bool,
    *,
    replay: Path | None = None,
    capture: Path | None = None,
    overrides: dict | None = None,
):
    """The settings of a crawl command: `--replay` (every answer from a fixtures folder, and
    no politeness delays: there is nobody to spare), `--capture`, then `-s NAME=VALUE`, which
    wins over both, each at the command line's priority."""
    settings = _settings(db_path, verbose)
    if replay is not None:
        settings.set("NEWSWATCH_REPLAY", str(replay), priority="cmdline")
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
        settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    if capture is not None:
        settings.set("NEWSWATCH_CAPTURE", str(capture), priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def _check_store(path: Path) -> bool:
    """Open (create, migrate) the store at `path` or fail with one line; True if it is empty."""
    from newswatch.seeds import store_is_empty

    try:
        return store_is_empty(path)
    except StoreError as error:
        _fail(str(error))


def _run_import(paths: list[Path], db_path: Path | None, verbose: bool):
    """Import `paths` in a crawl of their own, preceded (when the store is new) by a crawl
    that imports the seed documents, so that each crawl's stats say what it did."""
    from newswatch.importer import ImportSpider
    from newswatch.runner import run_crawls

    settings = _settings(db_path, verbose)
    path = resolve_db_path(settings=settings)
    jobs = [(ImportSpider, {"paths": paths})]
    if paths and _check_store(path):  # with no paths, the one crawl is the seed import
        jobs.insert(0, (ImportSpider, {"paths": []}))
    try:
        crawlers = run_crawls(settings, jobs)
    except StoreError as error:
        _fail(str(error))
    _fail_if_lost(crawlers)
    seeded = crawlers[0].stats.get_value("newswatch/first_use/read", 0) if len(jobs) > 1 else 0
    return crawlers[-1], seeded, path


def _fail_if_lost(crawlers) -> None:
    """Fail with one line when a crawl lost articles: the database refused a write (the crawl
    stopped then), or saving an article failed (newswatch/lost; the log says why)."""
    for crawler in crawlers:
        if error := crawler.stats.get_value("newswatch/store/error"):
            _fail(error)
    lost = sum(crawler.stats.get_value("newswatch/lost", 0) for crawler in crawlers)
    if lost:
        _fail(f"{lost} article{'' if lost == 1 else 's'} could not be stored (the log says why)")


def backfill_day(ctx, param, value: str | None) -> str | None:
    """A click callback for --since: a real day from 1990 on, else a usage error (exit 2)."""
    from newswatch.dates import backfill_start

    if value is None:
        return None
    try:
        return backfill_start(value).isoformat()
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def file_to_write(ctx, param, value: str | None) -> Path | None:
    """A click callback for an output file: a path naming a folder (`out/`, or an existing
    folder) is a usage error (exit 2); a missing parent folder is created when it is written."""
    if value is None:
        return None
    if value.endswith(("/", os.sep)) or Path(value).is_dir():
        raise click.BadParameter(f"{value}: a folder; give the name of a file to write")
    return Path(value)


def folder_to_write(ctx, param, value: Path | None) -> Path | None:
    """A click callback for an output folder: created now, or a usage error (exit 2) saying
    why it cannot be, before anything is fetched only to be lost."""
    if value is None:
        return None
    try:
        value.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise click.BadParameter(f"{value}: cannot create it: {error.strerror or error}") from None
    return value


def write_text_file(path: Path, text: str) -> None:
    """Write `path` (creating its folder), or fail with one line saying why."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        _fail(f"cannot write {path}: {error.strerror or error}")


def _fail(message: str) -> None:
    click.echo(f"newswatch: {message}", err=True)
    sys.exit(1)


def existing_store_path(db_path: Path | None) -> Path:
    """The path of the store a reading command opens (--db, NEWSWATCH_DB, the default), or fail
    with one line: reading commands never create a database, nor the folder it would be in."""
    path = resolve_db_path(db_path)
    if path.is_dir():
        _fail(f"{path} is a folder, not a database file")
    if not path.is_file():
        _fail(
            f"no database at {path}: check --db or NEWSWATCH_DB "
            "(`newswatch crawl`, `import` or `demo` create one)"
        )
    return path


def _open_existing(db_path: Path | None):
    """The store at `db_path` and its path, opened (migrated if older) but never created."""
    path = existing_store_path(db_path)
    try:
        return open_store(path), path
    except StoreError as error:
        _fail(str(error))


def _name_value_pairs(_ctx, _param, values: tuple[str, ...]) -> dict[str, str]:
    pairs = [value.partition("=") for value in values]
    if bad := [v for v, (name, eq, _) in zip(values, pairs, strict=True) if not (name and eq)]:
        raise click.BadParameter(f"{bad[0]!r} is not NAME=VALUE")
    return {name: value for name, _, value in pairs}


settings_option = click.option(
    "-s",
    "--set",
    "overrides",
    multiple=True,
    metavar="NAME=VALUE",
    callback=_name_value_pairs,
    help="Override a Scrapy or newswatch setting (repeatable), as with scrapy crawl -s.",
)


host_option = click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on: 127.0.0.1, this machine only, unless you choose.",
)


def redis_option(help_text: str):
    """--redis URL (else $NEWSWATCH_REDIS), for the commands of the scale-out (worker, writer,
    enqueue)."""
    return click.option(
        "--redis",
        "redis_url",
        envvar="NEWSWATCH_REDIS",
        show_envvar=True,
        metavar="URL",
        help=f"{help_text}, redis://HOST:PORT/DB; its ?prefix=NAME (default newswatch) keeps "
        "several newsrooms apart on one server.",
    )
