"""StorePipeline: save each Article to SQLite, a batch of articles per transaction."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from scrapy.exceptions import DropItem
from scrapy.utils.asyncio import call_later, is_asyncio_available
from scrapy.utils.defer import deferred_from_coro

from newswatch.dates import iso_utc, utc_now
from newswatch.items import Article
from newswatch.signals import start_exhausted
from newswatch.store import cache_for_writing, open_store, resolve_db_path
from newswatch.store.batch import write_batch
from newswatch.store.definitions import SEED, counts_as_on_topic

logger = logging.getLogger(__name__)

WRITERS = ("inline", "process")
"""NEWSWATCH_WRITER: the crawl's process writes the store itself (inline), or a writer
process of its own does (process: ProcessStorePipeline)."""


def outcome_stats(item: Article, outcome: str) -> list[str]:
    """The stats an article stored with `outcome` ("new", "updated", "unchanged") counts one
    up: what a crawl's row in `crawls` reads, whichever process stored the article (this
    pipeline, or a writer storing a worker's articles)."""
    if item.source_kind == SEED:  # found by no crawl: not this crawl's news
        return [f"newswatch/store/seed/{outcome}"]
    keys = [f"newswatch/store/{outcome}"]
    if outcome != "new":
        return keys
    if item.duplicate_of:
        keys.append("newswatch/store/duplicate")
    if item.story_id and item.story_id != item.id:
        keys.append("newswatch/store/joined_story")
    if counts_as_on_topic(item):
        keys.append("newswatch/store/new_on_topic")
    if item.url:  # a crawled article the outlet's layout should fill
        keys += [
            f"newswatch/store/missing/{field}"
            for field in ("title", "text", "published")
            if not getattr(item, field)
        ]
    return keys


class StorePipeline:
    """Inserts new articles and updates changed ones; counts new / updated / unchanged, and
    new_on_topic (newswatch.store.definitions.counts_as_on_topic). A seed document is counted
    apart (newswatch/store/seed/<outcome>): no crawl found it.

    Articles are written in batches: up to NEWSWATCH_STORE_BATCH articles, or those that came
    within NEWSWATCH_STORE_BATCH_S seconds, in one transaction. A transaction per article spent
    more time committing (the full-text index and the other indexes written again each time)
    than writing. Each article is passed on only once its batch is committed, and within a
    batch each article is its own savepoint: an article the database refuses is rolled back
    alone. A batch is written in one go (no transaction stays open while the crawl goes on),
    so other writers wait for one batch at most. A process killed mid-batch leaves the store as
    it was before the batch; those articles are not stored, so the next crawl fetches them.

    An article that the saving code fails on (out of memory, a fault of newswatch's own) is
    rolled back alone, logged in one line, counted in newswatch/lost and dropped; the
    `newswatch` commands then exit non-zero and `newswatch status` flags the outlet.

    When the database refuses a write (disk full, read-only file, locked for longer than the
    busy timeout) nothing half-written remains; the error is logged once, counted in
    newswatch/store/errors, and the crawl is stopped with the reason `store_error`, so that no
    more pages are fetched only to be lost.

    With NEWSWATCH_WRITER=process, `from_crawler` gives a ProcessStorePipeline instead: the
    same batches, written by a process of their own."""

    def __init__(self, db_path, stats, crawler=None, batch_size: int = 1, batch_seconds=1.0):
        self.db_path = db_path
        self.stats = stats
        self.crawler = crawler
        self.db = None
        self.batch_size = max(1, batch_size)
        self.batch_seconds = batch_seconds
        self.pending: list[tuple[Article, str, asyncio.Future]] = []
        self.timer = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        writer = settings.get("NEWSWATCH_WRITER") or "inline"
        if writer not in WRITERS:
            raise ValueError(f"NEWSWATCH_WRITER is {writer!r}: it must be inline or process")
        if cls is StorePipeline and writer == "process":
            from newswatch.pipelines.process_store import ProcessStorePipeline

            return ProcessStorePipeline.from_crawler(crawler)
        pipeline = cls(
            resolve_db_path(settings=settings),
            crawler.stats,
            crawler,
            batch_size=settings.getint("NEWSWATCH_STORE_BATCH", 1),
            batch_seconds=settings.getfloat("NEWSWATCH_STORE_BATCH_S", 1.0),
        )
        # The spider's own items (seeds, imported files) are all in: write them now.
        crawler.signals.connect(pipeline._flush, signal=start_exhausted)
        return pipeline

    def open_spider(self):
        self.db = open_store(self.db_path)
        cache_for_writing(self.db)

    def close_spider(self):
        self._flush()
        if self.db is not None:
            self.db.close()
            self.db = None

    async def process_item(self, item):
        if not isinstance(item, Article):
            return item
        seen_at = iso_utc(utc_now())
        if self._writes_at_once():
            self._settle(item, self._write([(item, seen_at)])[0])
            return item
        done = asyncio.get_running_loop().create_future()
        self.pending.append((item, seen_at, done))
        self._queued()
        return await done

    def _queued(self) -> None:
        """An article joined the pending ones: write them once they fill a batch, or once the
        first of them has waited NEWSWATCH_STORE_BATCH_S."""
        if len(self.pending) >= self.batch_size:
            self._flush()
        elif self.timer is None:
            self.timer = call_later(self.batch_seconds, self._flush)

    def _writes_at_once(self) -> bool:
        """Whether each article is written as it comes (no batches: a batch of one, or no
        asyncio loop to wait on)."""
        return self.batch_size == 1 or not is_asyncio_available()

    def _flush(self) -> None:
        """Write the pending articles; hand each on (or drop it) once the batch is settled."""
        self._cancel_timer()
        batch, self.pending = self.pending, []
        if not batch:
            return
        self._settle_batch(batch, self._write([(item, seen_at) for item, seen_at, _ in batch]))

    def _cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _settle_batch(
        self, batch: list[tuple[Article, str, asyncio.Future]], outcomes: list[str | Exception]
    ) -> None:
        """Hand each article of a written batch on, or drop it, by its outcome."""
        for (item, _, done), outcome in zip(batch, outcomes, strict=True):
            if done.done():  # its crawl was cancelled: nobody waits for it
                continue
            try:
                self._settle(item, outcome)
            except Exception as error:  # DropItem, or whatever save_article raised
                done.set_exception(error)
            else:
                done.set_result(item)

    def _write(self, batch: list[tuple[Article, str]]) -> list[str | Exception]:
        """One transaction for the batch; per article its outcome or the error it met."""
        return write_batch(self.db, batch)

    def _settle(self, item: Article, outcome: str | Exception) -> None:
        """Count a written article; drop one that could not be saved (and stop the crawl when
        the database refused it)."""
        if isinstance(outcome, sqlite3.Error):
            self._stop(outcome)
            raise DropItem(f"article {item.id} not stored: {outcome}") from outcome
        if isinstance(outcome, Exception):  # a fault of newswatch's own (out of memory, say)
            self.stats.inc_value("newswatch/lost")
            logger.error("article %s not stored: %r", item.id, outcome)
            raise DropItem(f"article {item.id} not stored: {outcome!r}") from outcome
        for key in outcome_stats(item, outcome):
            self.stats.inc_value(key)

    def _stop(self, error: sqlite3.Error) -> None:
        self.stats.inc_value("newswatch/store/errors")
        self._stop_crawl(f"cannot write to the database {self.db_path}: {error}")

    def _stop_crawl(self, message: str) -> None:
        """Say once why nothing more can be stored (newswatch/store/error, which the commands
        print) and stop the crawl with the reason `store_error`."""
        if self.stats.get_value("newswatch/store/error") is None:
            self.stats.set_value("newswatch/store/error", message)
            logger.error("%s; stopping the crawl", message)
            try:
                engine = self.crawler.engine if self.crawler is not None else None
            except RuntimeError:  # no crawl running (the pipeline used on its own)
                engine = None
            if engine is not None:
                deferred_from_coro(engine.close_spider_async(reason="store_error"))
