"""What a crawl needs to know before it fetches, kept apart from the articles themselves.

A crawl asks four things of the place it keeps its state, and nothing else:
- is this article already stored (`first_seen`)?
- what validators (ETag, Last-Modified) did this listing last carry (`validators`)?
- record what a listing named as pending, together with its new validators
  (`record_listing`), take the pending articles again at the start of a crawl
  (`take_pending`), forget them once stored or accounted for (`forget_pending`), and give a
  refused request its try back (`refund_try`).

On one machine the answers live in the SQLite store (`SqliteCrawlState`, the default). Crawl
workers that share Redis (`newswatch worker`) keep them in Redis instead
(`newswatch.scaleout.state.RedisCrawlState`): a worker never opens the SQLite file, and the one
writer (`newswatch writer`) keeps the known-article set up to date after each commit.

`crawl_state(crawler)` gives the crawler's state, one per crawler, closed with the spider.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from scrapy import signals


class CrawlState(Protocol):
    """See the module's documentation; the SQLite implementation documents each method."""

    def first_seen(self, url: str) -> tuple[str | None] | None: ...

    def validators(self, url: str) -> tuple[str | None, str | None] | None: ...

    def record_listing(
        self,
        outlet: str,
        articles: Iterable[tuple[str, list[str]]],
        listed_at: str,
        validators: dict | None = None,
    ) -> None: ...

    def take_pending(
        self, outlet: str, max_tries: int
    ) -> tuple[list[tuple[str, list[str]]], list[str]]: ...

    def forget_pending(self, urls: Iterable[str]) -> int: ...

    def forget_stored(self, urls: Iterable[str]) -> int: ...

    def refund_try(self, url: str) -> None: ...

    def close(self) -> None: ...


class SqliteCrawlState:
    """The crawl's state in the SQLite store (newswatch.store.listings and the articles table),
    opened on first use."""

    def __init__(self, db_path):
        self.db_path = db_path
        self._db = None

    @property
    def db(self):
        if self._db is None:
            from newswatch.store import open_store

            self._db = open_store(self.db_path)
        return self._db

    def first_seen(self, url):
        """A one-tuple of the stored article's `first_seen`, or None when it is not stored."""
        from newswatch.store import stored_first_seen

        return stored_first_seen(self.db, url)

    def validators(self, url):
        """(etag, last_modified) that the listing at `url` last carried, or None."""
        return self.db.execute(
            "SELECT etag, last_modified FROM http_validators WHERE url = ?", [url]
        ).fetchone()

    def record_listing(self, outlet, articles, listed_at, validators=None):
        from newswatch.store import record_listing

        record_listing(self.db, outlet, articles, listed_at, validators)

    def take_pending(self, outlet, max_tries):
        from newswatch.store import take_pending

        return take_pending(self.db, outlet, max_tries)

    def forget_pending(self, urls):
        from newswatch.store import forget_pending

        return forget_pending(self.db, urls)

    def forget_stored(self, urls):
        """The article requested under `urls` was stored (its item came through the store
        pipeline, committed): it is pending no more. In Redis the writer does this after its
        commit, so there it is nothing."""
        return self.forget_pending(urls)

    def refund_try(self, url):
        from newswatch.store import refund_try

        refund_try(self.db, url)

    def close(self):
        if self._db is not None:
            self._db.close()
            self._db = None


def crawl_state(crawler) -> CrawlState:
    """The crawler's one CrawlState: in Redis when NEWSWATCH_WORKER_REDIS is set (a worker's
    crawl), else in the SQLite store the settings name. Closed when the spider closes."""
    state = getattr(crawler, "_newswatch_crawl_state", None)
    if state is None:
        redis_url = crawler.settings.get("NEWSWATCH_WORKER_REDIS")
        if redis_url:
            from newswatch.scaleout.state import RedisCrawlState

            state = RedisCrawlState.from_url(redis_url)
        else:
            from newswatch.store import resolve_db_path

            state = SqliteCrawlState(resolve_db_path(settings=crawler.settings))
        crawler._newswatch_crawl_state = state

        def close():
            crawler._newswatch_crawl_state = None
            state.close()

        crawler.signals.connect(close, signal=signals.spider_closed, weak=False)
    return state
