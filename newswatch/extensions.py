"""Scrapy extensions."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured


class StatsDumpFile:
    """With STATS_DUMP_FILE set, write the crawl's final stats there as one JSON object when
    the spider closes (written whole, via a temporary file), for scripts and tests to read."""

    def __init__(self, crawler, path: Path):
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("STATS_DUMP_FILE")
        if not path:
            raise NotConfigured
        extension = cls(crawler, Path(path))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider, reason):
        stats = {**self.crawler.stats.get_stats(), "finish_reason": reason}
        text = json.dumps(stats, default=_jsonable, indent=1, sort_keys=True)
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(self.path)


class LostItems:
    """Counts in newswatch/lost the articles an item pipeline failed on with an error (out of
    memory, a fault of newswatch's own) rather than dropping them with a reason: they are not
    stored, and the `newswatch` commands and `newswatch status` must say so."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler.stats)
        crawler.signals.connect(extension.item_error, signal=signals.item_error)
        return extension

    def item_error(self, item, response, spider, failure):
        self.stats.inc_value("newswatch/lost")


def _jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


REQUIRED_FIELDS = ("title", "text", "published")


class CrawlRecorder:
    """The `crawls` row of an outlet's crawl: written when the crawl starts (`running`, with
    this process's id and host, so that a crawl killed on the way is seen as `died`; crawls of
    this host that died before are recorded so then), completed when it ends: how it ended,
    requests and responses by status, articles new / updated / duplicate / on-topic, article
    pages that gave no article, required fields found missing, responses refused by blocking,
    errors, fixtures saved. This is what `newswatch status` reads to tell a user an outlet
    broke, or is blocked.

    A crawl ends `blocked` when it finished having had responses refused by blocking
    (newswatch/blocked/responses, see BlockingMiddleware) and not one article page reached
    extraction: the site refuses newswatch, its layout is not to blame."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.crawl_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def _write(self, spider, what: str, write) -> None:
        from newswatch.store import open_store, resolve_db_path

        try:
            db = open_store(resolve_db_path(settings=self.crawler.settings))
            try:
                write(db)
            finally:
                db.close()
        except Exception as error:  # the crawl's own outcome must not be lost to this
            spider.logger.error("cannot %s in the crawls table: %s", what, error)

    def spider_opened(self, spider):
        from newswatch.outlets import OUTLETS
        from newswatch.store.crawls import mark_died, start_crawl

        if spider.name not in OUTLETS:
            return  # imports and test crawls are not outlet crawls

        def start(db):
            mark_died(db)
            self.crawl_id = start_crawl(db, spider.name, _iso(datetime.now(UTC)))

        self._write(spider, "record the crawl's start", start)

    def spider_closed(self, spider, reason):
        from newswatch.store.crawls import finish_crawl

        if self.crawl_id is None:
            return
        row = crawl_outcome(self.crawler.stats.get_stats(), reason)
        self._write(spider, "record the crawl", lambda db: finish_crawl(db, self.crawl_id, row))


def crawl_outcome(stats: dict, reason: str) -> dict:
    """The columns of a crawls row that say how the crawl went, from its final stats."""
    responses = {
        k.rsplit("/", 1)[-1]: v
        for k, v in stats.items()
        if k.startswith("downloader/response_status_count/")
    }
    missing = {
        f: stats[f"newswatch/store/missing/{f}"]
        for f in REQUIRED_FIELDS
        if stats.get(f"newswatch/store/missing/{f}")
    }
    blocked = stats.get("newswatch/blocked/responses", 0)
    pages = stats.get("newswatch/extraction/pages", 0)
    return {
        "finished": _iso(stats.get("finish_time") or datetime.now(UTC)),
        "status": "blocked" if reason == "finished" and blocked and not pages else reason,
        "requests": stats.get("downloader/request_count", 0),
        "responses": json.dumps(responses, sort_keys=True),
        "articles_new": stats.get("newswatch/store/new", 0),
        "articles_updated": stats.get("newswatch/store/updated", 0),
        "articles_duplicate": stats.get("newswatch/store/duplicate", 0),
        "articles_on_topic": stats.get("newswatch/store/new_on_topic", 0),
        "article_pages": pages,
        "no_article": stats.get("newswatch/extraction/no_article", 0),
        "missing_fields": json.dumps(missing, sort_keys=True),
        "skipped_known": stats.get("newswatch/skipped/known", 0),
        "not_modified": stats.get("newswatch/conditional/not_modified", 0),
        "errors": stats.get("log_count/ERROR", 0),
        "fixtures_saved": stats.get("newswatch/capture/saved", 0),
        "replay_misses": stats.get("newswatch/replay/miss", 0),
        "blocked": blocked,
        "blocked_reason": stats.get("newswatch/blocked/reason"),
        "stats": json.dumps(stats, default=_jsonable, sort_keys=True),
    }


def _iso(value) -> str | None:
    return value.isoformat(timespec="seconds") if isinstance(value, datetime) else value
