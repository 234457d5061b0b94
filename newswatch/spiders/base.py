"""NewswatchSpider: what every newswatch crawl shares.

A crawl into a store that holds no article yet first yields the bundled seed documents (each
described from its text and marked as a seed document: newswatch.seeds.describe_seed), so the
topic is in the database from the first use, whichever command or spider ran first. Subclasses
route; they implement `discover()`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import scrapy
from scrapy import Request, signals
from scrapy.exceptions import CloseSpider
from scrapy.utils.asyncio import is_asyncio_available
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from newswatch.dates import backfill_start, utc_now
from newswatch.discovery import DiscoveryError, parse_feed, parse_sitemap, sitemap_period_end
from newswatch.encodings import decode_page
from newswatch.extraction import ExtractionError, extract_article
from newswatch.items import Article
from newswatch.outlets import OUTLETS, outlet_for_url
from newswatch.seedfile import SeedFileError, iter_seed_paths, read_seed_file
from newswatch.seeds import describe_seed, seeds_dir, store_needs_seeds
from newswatch.signals import start_exhausted

SCRAPER_SETTLE_TURNS = 100


class NewswatchSpider(scrapy.Spider):
    """Base of every newswatch spider."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.refused: list[SeedFileError] = []
        self.warnings: list[str] = []
        self._start_items: set[int] = set()  # ids of the items start() yielded, until stored
        self._start_items_done: Deferred | None = None

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(spider._start_item_settled, signal=signal)
        crawler.signals.connect(spider._release_start, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        if store_needs_seeds(self.settings):
            folder = seeds_dir(self.settings)
            if folder.is_dir():
                self.logger.info("new store: importing the seed documents from %s", folder)
                for seed in self.read_seed_articles([folder], "first_use"):
                    self._start_items.add(id(seed))
                    yield seed
            else:
                self.logger.warning("new store, but no seed documents at %s", folder)
        async for output in self.discover():
            if isinstance(output, Article):
                self._start_items.add(id(output))
            yield output
        await self._start_items_stored()

    async def _start_items_stored(self) -> None:
        """Wait until the items start() yielded have been through the pipelines. Scrapy looks
        again whether the crawl is over only when a response is handled, or at its 5-second
        heartbeat: an import (items, no request) sat idle that long before it closed. Once
        start() returns, Scrapy looks at once."""
        self.crawler.signals.send_catch_log(signal=start_exhausted)
        if self._start_items:
            self._start_items_done = Deferred()
            await maybe_deferred_to_future(self._start_items_done)
        # Scrapy counts an item in process until the item_scraped handlers have returned,
        # which takes a few turns of the event loop after the signal: give it those turns
        # (a bounded number: items of responses may be in process too), no timer.
        slot = self.crawler.engine.scraper.slot
        for _ in range(SCRAPER_SETTLE_TURNS):
            if slot is None or slot.is_idle() or not is_asyncio_available():
                break
            await asyncio.sleep(0)

    def _start_item_settled(self, item: Any, **_: Any) -> None:
        self._start_items.discard(id(item))
        if not self._start_items:
            self._release_start()

    def _release_start(self, **_: Any) -> None:
        done, self._start_items_done = self._start_items_done, None
        if done is not None and not done.called:  # not cancelled by a crawl stopped meanwhile
            done.callback(None)

    async def discover(self) -> AsyncIterator[Any]:
        """Requests and items of this crawl, after the first-use seeds."""
        return
        yield

    def read_seed_articles(self, paths: Iterable[Path], kind: str = "import") -> Iterator[Article]:
        """Articles from seed-format files; a file that cannot be imported is recorded in
        `self.refused` (and the crawl stats) and the others go on. Stats are counted under
        newswatch/<kind>/read and newswatch/<kind>/refused."""
        today = utc_now().date()
        seeds = seeds_dir(self.settings)
        for path, folder in iter_seed_paths(paths):
            try:
                seed = read_seed_file(path, today, folder)
            except SeedFileError as error:
                self.logger.warning("refused %s", error)
                self.refused.append(error)
                self.crawler.stats.inc_value(f"newswatch/{kind}/refused")
                continue
            for warning in seed.warnings:
                self.logger.info("%s: %s", path, warning)
                self.warnings.append(f"{path}: {warning}")
            self.crawler.stats.inc_value(f"newswatch/{kind}/read")
            if kind == "first_use" or path.resolve().is_relative_to(seeds.resolve()):
                # A seed document imported by hand is described as the new store's were: the
                # same title, so the same relevance, and no change to what is stored.
                yield describe_seed(seed.article)
            else:
                yield seed.article


def _days_back(since: date, today: date) -> Iterator[date]:
    day = today
    while day >= since:
        yield day
        day -= timedelta(days=1)


class OutletSpider(NewswatchSpider):
    """Base of the five outlet spiders: they declare where articles are listed, this routes.

    Monitoring mode (the default) reads `feeds` and `news_sitemaps`, fetched with conditional
    GET. Backfill mode (`-a since=YYYY-MM-DD`) walks `sitemap_indexes` (following the dated
    child sitemaps that reach back to `since`) and the daily `archive_pages`, back to that date
    and no further. Every article link on the outlet's own domains that matches `article_url`
    is requested, unless the store already holds it; the page goes to `extract_article`.
    """

    feeds: tuple[str, ...] = ()
    news_sitemaps: tuple[str, ...] = ()
    sitemap_indexes: tuple[str, ...] = ()
    archive_pages: tuple[str, ...] = ()
    """strftime patterns of daily archive pages, e.g. https://www.unian.ua/news/archive/%Y%m%d"""
    archive_links: str = "a::attr(href)"
    article_url: re.Pattern = re.compile(r".")

    def __init_subclass__(cls, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        if getattr(cls, "name", None) in OUTLETS:
            cls.allowed_domains = list(OUTLETS[cls.name].domains)

    def __init__(self, since: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.since: date | None = None
        self.bad_argument: str | None = None
        """Why an argument was refused; the crawl then closes before any request. Raising
        here instead would end `scrapy crawl` in a traceback."""
        if unknown := sorted(set(kwargs) - {"name"}):
            self.bad_argument = (
                f"unknown argument {', '.join(f'-a {k}=' for k in unknown)}: an outlet spider "
                "takes only -a since=YYYY-MM-DD"
            )
        elif since:
            try:
                self.since = backfill_start(since)
            except ValueError as error:
                self.bad_argument = str(error)

    async def start(self) -> AsyncIterator[Any]:
        if self.bad_argument:
            self.logger.error(self.bad_argument)
            raise CloseSpider("bad_argument")
        async for output in super().start():
            yield output

    async def discover(self) -> AsyncIterator[Any]:
        if self.since is None:
            for url in self.feeds:
                yield self._listing(url, self.parse_feed, "feed", conditional=True)
            for url in self.news_sitemaps:
                yield self._listing(url, self.parse_sitemap, "sitemap", conditional=True)
            return
        for url in self.sitemap_indexes:
            yield self._listing(url, self.parse_sitemap, "sitemap")
        for day in _days_back(self.since, utc_now().date()):
            for pattern in self.archive_pages:
                yield self._listing(day.strftime(pattern), self.parse_archive, "archive")

    def _listing(self, url: str, callback, kind: str, conditional: bool = False) -> Request:
        meta = {"page_kind": kind, "handle_httpstatus_list": [304]}
        if conditional:
            meta["conditional"] = True
        return Request(url, callback=callback, meta=meta, dont_filter=conditional)

    def article_request(
        self, url: str, published: datetime | None = None, alternates: tuple[str, ...] = ()
    ) -> Request | None:
        """A request for `url` if it is one of this outlet's articles (and, in backfill mode,
        not listed as older than `since`); None otherwise. `alternates` (the article's other
        language editions, as a sitemap lists them) reach the article through the request."""
        url = url.strip()
        if outlet_for_url(url) != self.name or not self.article_url.search(url):
            self.crawler.stats.inc_value("newswatch/discovery/not_an_article")
            return None
        if self.since and published and published.date() < self.since:
            return None
        self.crawler.stats.inc_value("newswatch/discovery/article_links")
        meta = {"page_kind": "article"}
        if alternates:
            meta["alternates"] = list(alternates)
        return Request(url, callback=self.parse_article, meta=meta)

    def _unchanged(self, response) -> bool:
        return response.status == 304

    def parse_feed(self, response):
        if self._unchanged(response):
            return
        try:
            entries = parse_feed(response.body)
        except DiscoveryError as error:
            self._listing_error(response, error)
            return
        for entry in entries:
            if request := self.article_request(entry.url, entry.published):
                yield request

    def parse_sitemap(self, response):
        if self._unchanged(response):
            return
        try:
            sitemap = parse_sitemap(response.body)
        except DiscoveryError as error:
            self._listing_error(response, error)
            return
        for entry in sitemap.entries:
            if sitemap.is_index:
                end = sitemap_period_end(entry.url)
                if self.since and end is not None and end < self.since:
                    continue
                if self.since is None and end is not None:
                    continue  # monitoring reads the news sitemaps, not the archive
                yield self._listing(entry.url, self.parse_sitemap, "sitemap")
            elif request := self.article_request(entry.url, entry.published, entry.alternates):
                yield request

    def parse_archive(self, response):
        for href in response.css(self.archive_links).getall():
            if request := self.article_request(response.urljoin(href)):
                yield request

    def parse_article(self, response):
        self.crawler.stats.inc_value("newswatch/extraction/pages")
        try:
            article = extract_article(self.page_text(response), response.url, now=utc_now())
        except ExtractionError as error:
            self.crawler.stats.inc_value("newswatch/extraction/no_article")
            self.logger.warning("no article extracted from %s: %s", response.url, error)
            return
        listed = response.meta.get("alternates") or []
        article.alternates = list(dict.fromkeys([*article.alternates, *listed]))
        yield article

    def page_text(self, response) -> str:
        """The page as text, its declared charset checked against its bytes (decode_page)."""
        text, corrected = decode_page(response.body, response.encoding, response.text)
        if corrected:
            self.crawler.stats.inc_value("newswatch/extraction/charset_corrected")
            self.logger.info(
                "%s: declared %s, decoded as %s", response.url, response.encoding, corrected
            )
        return text

    def _listing_error(self, response, error: Exception) -> None:
        self.crawler.stats.inc_value(f"newswatch/discovery/unreadable_{response.meta['page_kind']}")
        self.logger.warning(
            "cannot read %s %s: %s", response.meta["page_kind"], response.url, error
        )
