"""Writing a batch of articles in one transaction: what every writer of the store shares (the
store pipeline in a crawl, the writer process of `crawl --writer process`, and `newswatch
writer` over Redis)."""

from __future__ import annotations

from sqlite_utils import Database

from newswatch.items import Article
from newswatch.store.articles import save_article
from newswatch.store.connection import write_transaction


def write_batch(db: Database, batch: list[tuple[Article, str]]) -> list[str | Exception]:
    """Save each (article, seen_at) of `batch` in one transaction, each article in a savepoint
    of its own; return per article its outcome ("new", "updated", "unchanged") or the error it
    met. An article the saving code fails on is rolled back alone; an error that ends the whole
    transaction (an I/O error, out of memory, a full disk) is every article's outcome, and
    nothing of the batch is stored. Saving is idempotent by article id: a batch written twice
    (redelivered after a crash) changes nothing the second time."""
    outcomes: list[str | Exception] = []
    try:
        with write_transaction(db):
            for item, seen_at in batch:
                try:
                    outcomes.append(save_article(db, item, seen_at))
                except Exception as error:  # its savepoint is rolled back
                    if not db.conn.in_transaction:
                        # SQLite ended the whole transaction: nothing of the batch is stored.
                        raise
                    outcomes.append(error)
    except Exception as error:  # nothing of the batch is stored
        return [error] * len(batch)
    return outcomes
