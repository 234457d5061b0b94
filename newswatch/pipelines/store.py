"""StorePipeline: save each Article to SQLite, one transaction per article."""

from __future__ import annotations

from newswatch.dates import iso_utc, utc_now
from newswatch.items import Article
from newswatch.store import open_store, resolve_db_path, save_article


class StorePipeline:
    """Inserts new articles and updates changed ones; counts new / updated / unchanged."""

    def __init__(self, db_path, stats):
        self.db_path = db_path
        self.stats = stats
        self.db = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(resolve_db_path(settings=crawler.settings), crawler.stats)

    def open_spider(self):
        self.db = open_store(self.db_path)

    def close_spider(self):
        if self.db is not None:
            self.db.close()
            self.db = None

    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        outcome = save_article(self.db, item, iso_utc(utc_now()))
        self.stats.inc_value(f"newswatch/store/{outcome}")
        return item
