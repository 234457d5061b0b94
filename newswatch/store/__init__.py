"""The SQLite store that Datasette serves: opened, migrated and shaped by `open_store`."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from newswatch.store.articles import (
    count_articles,
    iter_articles,
    row_to_article,
    save_article,
    stored_first_seen,
)
from newswatch.store.connection import (
    DEFAULT_DB_PATH,
    StoreError,
    cache_for_writing,
    connect,
    resolve_db_path,
    write_transaction,
)
from newswatch.store.listings import forget_pending, record_listing, refund_try, take_pending
from newswatch.store.migrations import migrations
from newswatch.store.relink import relink_all
from newswatch.store.shape import ensure_db_shape

__all__ = [
    "DEFAULT_DB_PATH",
    "StoreError",
    "cache_for_writing",
    "count_articles",
    "ensure_db_shape",
    "forget_pending",
    "refund_try",
    "iter_articles",
    "migrate",
    "open_store",
    "record_listing",
    "relink_all",
    "resolve_db_path",
    "row_to_article",
    "save_article",
    "stored_first_seen",
    "take_pending",
    "write_transaction",
]


def migrate(db: Database) -> list[str]:
    """Apply pending migrations under the write lock (so two processes opening a new database
    at once apply each migration once); return the names applied."""
    if not migrations.pending(db):
        return []
    with write_transaction(db):
        pending = [m.name for m in migrations.pending(db)]
        migrations.apply(db)
        relinked = {
            "m006_dedup_and_stories",
            "m010_story_features_and_editions",
            "m014_seed_documents",
        }
        if relinked & set(pending):
            # The articles stored before de-duplication existed, or linked by older rules, are
            # fingerprinted and linked again by today's code, which reads tables later
            # migrations make: so once all are.
            relink_all(db)
    return pending


def open_store(path: str | os.PathLike) -> Database:
    """Open (creating if need be) the database at `path`, migrated and in shape."""
    path = Path(path)
    db = connect(path)
    try:
        migrate(db)
        ensure_db_shape(db)
    except sqlite3.Error as error:
        db.close()
        raise StoreError(f"cannot prepare the database {path}: {error}") from error
    return db
