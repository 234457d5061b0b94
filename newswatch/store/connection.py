"""Where the database is, how it is opened, and how a write is made atomic across processes."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlite_utils import Database

DEFAULT_DB_PATH = "data/newswatch.db"
DB_ENV = "NEWSWATCH_DB"
BUSY_TIMEOUT_S = 60.0
WAL_CHECKPOINT_PAGES = 4000
# The page cache of a process that stores article after article (SQLite's default: 2 MB).
WRITER_CACHE_KB = 16 * 1024


class StoreError(RuntimeError):
    """The database cannot be opened or written; the message says which and why."""


def resolve_db_path(
    explicit: str | os.PathLike | None = None, settings: Mapping[str, Any] | None = None
) -> Path:
    """The database path: `--db` first, then the Scrapy setting NEWSWATCH_DB (which itself
    defaults to the environment variable), then the environment variable, then the default."""
    for candidate in (explicit, settings.get(DB_ENV) if settings else None, os.environ.get(DB_ENV)):
        if candidate:
            return Path(candidate)
    return Path(DEFAULT_DB_PATH)


def connect(path: Path) -> Database:
    """A sqlite-utils Database on `path` in WAL mode (readers never block the writer), waiting
    up to a minute for another process's write instead of failing."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        # Checkpoint the WAL every 16 MB rather than 4: the pages every article touches (the
        # full-text index, the indexes) are copied back to the database once per checkpoint,
        # which with one transaction per article was a fifth of the time spent storing it.
        conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
        conn.execute("PRAGMA foreign_keys = ON")
    except (OSError, sqlite3.Error) as error:
        raise StoreError(f"cannot open the database {path}: {error}") from error
    return Database(conn)


def cache_for_writing(db: Database) -> None:
    """Give a writer's connection a page cache of WRITER_CACHE_KB. Saving an article reads and
    writes pages all over the store's indexes (story anchors, LSH bands, the full-text index);
    with SQLite's 2 MB most of them were read again from the file for every article, and
    storing cost 8% more CPU (the replay's 2,000 articles, a 43 MB store; 64 MB did no better
    than 16). The cache holds copies of the file's pages, so it changes no result."""
    db.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KB}")


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One atomic write. BEGIN IMMEDIATE takes the write lock up front, so two processes
    writing at once queue on the busy timeout instead of failing half-way with SQLITE_BUSY;
    on any error the whole transaction is rolled back. Inside another transaction (a batch)
    it is a savepoint: on an error this write alone is rolled back."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.conn.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
