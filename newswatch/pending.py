"""PendingArticlesMiddleware: no article a listing named is lost to a crawl that stops.

A feed's validators make its next request answer 304, after which nothing it listed is seen
again: a crawl stopped after the feed arrived but before its articles were stored (SIGTERM from
the daemon, a timeout, kill -9, out of memory) used to lose them for good. So (see
`newswatch.store.listings`):

- when a listing (feed, sitemap, archive page) has been read, the articles it named that are
  not stored yet are recorded as `pending`, in the same transaction that saves the listing's
  validators (ConditionalGetMiddleware leaves them in the request's meta), before any of its
  article requests is sent;
- every crawl of an outlet first requests its pending articles again, whether its listings
  answer 304 or not (newswatch/pending/requested); one requested by NEWSWATCH_PENDING_TRIES
  crawls in vain is given up (newswatch/pending/given_up, and a warning);
- a pending article is removed once it is stored (Scrapy's item_scraped: after the store
  committed it), found stored already, or accounted for for good: its page answered and holds
  no article, or 404 / 410, or it redirects off the outlet's site (which Scrapy's
  OffsiteMiddleware then drops: newswatch/pending/offsite).
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any, NoReturn

from scrapy import Request, signals
from scrapy.exceptions import CloseSpider

from newswatch.dates import iso_utc, utc_now
from newswatch.items import Article
from newswatch.middlewares import CrawlStateMiddleware
from newswatch.outlets import outlet_for_url

logger = logging.getLogger(__name__)

LISTING_KINDS = frozenset({"feed", "sitemap", "archive"})
GONE_FOR_GOOD = frozenset({404, 410})


class PendingArticlesMiddleware(CrawlStateMiddleware):
    """Spider middleware: records what listings name as pending, requests it again at the start
    of every crawl, and removes it once stored or accounted for."""

    @classmethod
    def from_crawler(cls, crawler):
        middleware = super().from_crawler(crawler)
        crawler.signals.connect(middleware._stored, signal=signals.item_scraped)
        crawler.signals.connect(middleware._received, signal=signals.response_received)
        crawler.signals.connect(middleware._scheduled, signal=signals.request_scheduled)
        return middleware

    async def process_start(self, start):
        spider = self.crawler.spider
        # An outlet's crawl; a worker's spider (newswatch.scaleout.worker) takes them per job.
        if hasattr(spider, "article_request") and not getattr(spider, "pending_per_job", False):
            try:
                requests = pending_requests(self.crawler, self.state)
            except sqlite3.Error as error:  # a store that refuses writes (read-only, full)
                self._refused(error)
            for request in requests:
                yield request
        async for output in start:
            yield output

    async def process_spider_output(self, response, result):
        kind = response.meta.get("page_kind")
        if kind in LISTING_KINDS:
            outputs = [output async for output in result]
            self._record(response, outputs)
            for output in outputs:
                yield output
            return
        found = False
        async for output in result:
            found = found or isinstance(output, Article)
            yield output
        if kind == "article" and response.status == 200 and not found:
            self.state.forget_pending(requested_urls(response))  # the page holds no article

    def _refused(self, error: sqlite3.Error) -> NoReturn:
        """The store refused the first write of the crawl: nothing it fetched could be kept,
        so it stops before its first request, with one line saying why (newswatch/store/error,
        which the commands print) and the reason `store_error`, as when a save is refused."""
        from newswatch.store import resolve_db_path

        path = resolve_db_path(settings=self.crawler.settings)
        message = f"cannot write to the database {path}: {error}"
        self.stats.set_value("newswatch/store/error", message)
        logger.error("%s; stopping the crawl", message)
        raise CloseSpider("store_error") from error

    def _record(self, response, outputs: list[Any]) -> None:
        """The listing's articles not stored yet as pending, with its validators, at once."""
        spider = self.crawler.spider
        articles = [
            (output.url, output.meta.get("alternates", []))
            for output in outputs
            if isinstance(output, Request)
            and output.meta.get("page_kind") == "article"
            and not self.state.first_seen(output.url)
        ]
        self.state.record_listing(
            spider.name,
            articles,
            iso_utc(utc_now()),
            response.meta.get("validators"),
        )
        self.stats.inc_value("newswatch/pending/recorded", len(articles))

    def _stored(self, item, response, spider):
        if isinstance(item, Article) and response is not None:
            self.state.forget_stored(requested_urls(response))

    def _received(self, response, request, spider):
        if request.meta.get("page_kind") == "article" and response.status in GONE_FOR_GOOD:
            self.state.forget_pending(requested_urls(response))

    def _scheduled(self, request, spider):
        """A redirect off the outlet's site: the article will not come from it."""
        redirected_from = request.meta.get("redirect_urls")
        if (
            redirected_from
            and request.meta.get("page_kind") == "article"
            and outlet_for_url(request.url) != spider.name
        ):
            self.state.forget_pending(redirected_from)
            self.stats.inc_value("newswatch/pending/offsite")


def pending_requests(crawler, state) -> list[Request]:
    """The requests for the outlet's pending articles, taken again (a crawl of the outlet
    starts with them); those requested by NEWSWATCH_PENDING_TRIES crawls in vain are given
    up."""
    spider = crawler.spider
    stats = crawler.stats
    max_tries = crawler.settings.getint("NEWSWATCH_PENDING_TRIES", 3)
    again, given_up = state.take_pending(spider.name, max_tries)
    for url in given_up:
        logger.warning("given up after %d crawls: %s", max_tries, url)
    stats.inc_value("newswatch/pending/given_up", len(given_up))
    requests = []
    for url, alternates in again:
        if request := spider.article_request(url, alternates=tuple(alternates)):
            request.meta["pending"] = True
            stats.inc_value("newswatch/pending/requested")
            requests.append(request)
    return requests


def requested_urls(response) -> list[str]:
    """Every URL the article was requested under: the listed one, and those it redirected to."""
    return [*response.meta.get("redirect_urls", []), response.request.url, response.url]
