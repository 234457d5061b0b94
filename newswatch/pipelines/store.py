"""StorePipeline: save each Article to SQLite, one transaction per article."""

from __future__ import annotations

import logging
import sqlite3

from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

from newswatch.dates import iso_utc, utc_now
from newswatch.items import Article
from newswatch.store import open_store, resolve_db_path, save_article

logger = logging.getLogger(__name__)


class StorePipeline:
    """Inserts new articles and updates changed ones; counts new / updated / unchanged.

    When the database refuses a write (disk full, read-only file, locked for longer than the
    busy timeout) nothing half-written remains (each article is one transaction); the error is
    logged once, counted in newswatch/store/errors, and the crawl is stopped with the reason
    `store_error`, so that no more pages are fetched only to be lost."""

    def __init__(self, db_path, stats, crawler=None):
        self.db_path = db_path
        self.stats = stats
        self.crawler = crawler
        self.db = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(resolve_db_path(settings=crawler.settings), crawler.stats, crawler)

    def open_spider(self):
        self.db = open_store(self.db_path)

    def close_spider(self):
        if self.db is not None:
            self.db.close()
            self.db = None

    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        try:
            outcome = save_article(self.db, item, iso_utc(utc_now()))
        except sqlite3.Error as error:
            self._stop(error)
            raise DropItem(f"article {item.id} not stored: {error}") from error
        self.stats.inc_value(f"newswatch/store/{outcome}")
        if outcome == "new" and item.duplicate_of:
            self.stats.inc_value("newswatch/store/duplicate")
        if outcome == "new" and item.story_id and item.story_id != item.id:
            self.stats.inc_value("newswatch/store/joined_story")
        if outcome == "new" and item.on_topic:
            self.stats.inc_value("newswatch/store/new_on_topic")
        if outcome == "new" and item.url:  # a crawled article the outlet's layout should fill
            for field in ("title", "text", "published"):
                if not getattr(item, field):
                    self.stats.inc_value(f"newswatch/store/missing/{field}")
        return item

    def _stop(self, error: sqlite3.Error) -> None:
        self.stats.inc_value("newswatch/store/errors")
        if self.stats.get_value("newswatch/store/error") is None:
            message = f"cannot write to the database {self.db_path}: {error}"
            self.stats.set_value("newswatch/store/error", message)
            logger.error("%s; stopping the crawl", message)
            try:
                engine = self.crawler.engine if self.crawler is not None else None
            except RuntimeError:  # no crawl running (the pipeline used on its own)
                engine = None
            if engine is not None:
                deferred_from_coro(engine.close_spider_async(reason="store_error"))
