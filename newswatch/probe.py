"""First contact with a live site: `newswatch probe` runs the real outlet spiders in a probe mode
that reads each edition's feeds and news sitemaps (the monitoring listings), fetches the N
newest articles each lists, extracts them, and writes nothing to the store. What each edition
gave is recorded in an `EditionProbe`: listing read and parsed, article links found, how often
each field was extracted, HTTP statuses and timings; every response is saved as a fixture by
CaptureMiddleware, ready for `newswatch golden`.

The crawl is as polite as any: robots.txt, the User-Agent, delays, AutoThrottle and retries are
the project's settings; only the store's parts (the pipelines, skipping stored articles,
conditional GET, the pending articles, the crawls table, the outlet's lock) are switched
off, and refusals (`newswatch.blocking`) are recorded as the edition being blocked. An
article two editions list is fetched once, for the first.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.http import Response
from scrapy.settings import Settings

from newswatch.items import Article
from newswatch.middlewares import BlockedResponse
from newswatch.spiders.base import OutletSpider

# Answers a probe records rather than lets Scrapy drop; redirects (3xx) are still followed and
# 429 / 5xx still retried first.
ERROR_STATUSES = [400, 401, 402, 403, 404, 405, 406, 408, 410, 429, 451, 500, 502, 503, 504]
# Field -> whether an extracted Article has it.
FIELDS = {
    "title": lambda a: bool(a.title),
    "date": lambda a: bool(a.published or a.date),
    "author": lambda a: bool(a.authors),
    "body": lambda a: bool(a.text),
    "language": lambda a: bool(a.language),
}
REQUIRED = ("title", "date", "body")  # an edition whose articles lack one does not work

# The parts of a crawl that read or write the store, switched off in a probe.
STORE_COMPONENTS = {
    "DOWNLOADER_MIDDLEWARES": (
        "newswatch.middlewares.SkipKnownArticlesMiddleware",
        "newswatch.middlewares.ConditionalGetMiddleware",
    ),
    "SPIDER_MIDDLEWARES": ("newswatch.pending.PendingArticlesMiddleware",),
    # The outlet's lock too: it would create `<db>.locks/`, and refuse a probe while the
    # daemon crawls the outlet.
    "EXTENSIONS": ("newswatch.outlet_lock.OutletLock", "newswatch.extensions.CrawlRecorder"),
    "ITEM_PIPELINES": (
        "newswatch.pipelines.NormalisePipeline",
        "newswatch.pipelines.TopicPipeline",
        "newswatch.pipelines.StorePipeline",
    ),
}


def probe_settings(settings: Settings, capture: Path) -> Settings:
    """`settings` for a probe: the store's components off, every response saved as a
    fixture under `capture` (all kept)."""
    for name, components in STORE_COMPONENTS.items():
        enabled = settings.getdict(name)
        enabled.update(dict.fromkeys(components))
        settings.set(name, enabled, priority="cmdline")
    settings.set("NEWSWATCH_CAPTURE", str(capture), priority="cmdline")
    settings.set("NEWSWATCH_CAPTURE_KEEP", 0, priority="cmdline")
    return settings


@dataclass
class EditionProbe:
    """What one edition (one feed or news sitemap of an outlet) gave."""

    listing: str
    kind: str  # feed | sitemap
    listing_read: bool = False
    unreadable: str | None = None
    links: int = 0
    requested: int = 0
    articles: int = 0  # article pages that gave an article
    no_article: int = 0
    fields: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    seconds: list[float] = field(default_factory=list)
    blocked: str | None = None

    @property
    def label(self) -> str:
        return self.listing.split("://", 1)[-1]

    def problems(self) -> list[str]:
        """Why this edition does not work; empty when it does."""
        problems = []
        if self.blocked:
            problems.append(f"blocked: {self.blocked}")
        if not self.listing_read:
            problems.append(f"{self.kind} not fetched")
        elif self.unreadable:
            problems.append(f"{self.kind} unreadable: {self.unreadable}")
        elif not self.links:
            problems.append("no article links")
        if self.requested and not self.articles:
            problems.append("no article extracted")
        elif self.articles < self.requested:
            problems.append(f"{self.requested - self.articles} of {self.requested} articles failed")
        missing = [f for f in REQUIRED if self.fields[f] < self.articles]
        if missing:
            problems.append("missing " + ", ".join(missing))
        return problems


class ProbeMixin:
    """Put before an outlet spider's class (see `probe_spider`): the same discovery and
    extraction, limited to the `limit` newest articles per edition, recorded not stored."""

    def __init__(self, *args: Any, limit: int | str = 5, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.limit = int(limit)
        self.editions: dict[str, EditionProbe] = {}
        self._requested: set[str] = set()

    async def start(self):
        listings = [(url, "feed", self.parse_feed) for url in self.feeds]
        listings += [(url, "sitemap", self.parse_sitemap) for url in self.news_sitemaps]
        for url, kind, callback in listings:
            self.editions[url] = EditionProbe(url, kind)
            yield self._tracked(Request(url, callback=callback, meta={"page_kind": kind}), url)

    def _tracked(self, request: Request, edition: str) -> Request:
        request.meta["probe_edition"] = edition
        request.meta["handle_httpstatus_list"] = ERROR_STATUSES
        return request.replace(errback=self.probe_failure)

    def _answered(self, response: Response) -> EditionProbe | None:
        """Record a response of an edition; the edition if the page is worth parsing."""
        edition = self.editions[response.meta["probe_edition"]]
        edition.statuses[response.status] += 1
        if "download_latency" in response.meta:
            edition.seconds.append(response.meta["download_latency"])
        return edition if response.status < 300 else None

    def probe_failure(self, failure) -> None:
        """A request that got no answer (a network error, robots.txt, an offsite redirect), or
        one the site refused (BlockingMiddleware: 403, 451, a challenge page)."""
        edition = self.editions[failure.request.meta["probe_edition"]]
        if failure.check(BlockedResponse):
            edition.blocked = failure.value.reason
            edition.statuses[failure.value.status] += 1
            return
        edition.errors[failure.type.__name__] += 1

    def parse_feed(self, response: Response):
        yield from self._listed(response, super().parse_feed)

    def parse_sitemap(self, response: Response):
        yield from self._listed(response, super().parse_sitemap)

    def _listed(self, response: Response, parse):
        edition = self._answered(response)
        if edition is None:
            return
        edition.listing_read = True
        found = list(parse(response))
        articles = [r for r in found if r.meta.get("page_kind") == "article"]
        edition.links += len(articles)
        articles.sort(key=lambda r: r.meta.get("published") or "", reverse=True)  # stable
        chosen = []
        for request in articles:
            if edition.requested + len(chosen) >= self.limit:
                break
            if request.url not in self._requested:
                self._requested.add(request.url)
                chosen.append(request)
        edition.requested += len(chosen)
        listings = [r for r in found if r.meta.get("page_kind") != "article"]
        for request in [*listings, *chosen]:
            yield self._tracked(request, edition.listing)

    def _listing_error(self, response: Response, error: Exception) -> None:
        super()._listing_error(response, error)
        self.editions[response.meta["probe_edition"]].unreadable = str(error)

    def article_request(self, url: str, published=None, alternates=()) -> Request | None:
        request = super().article_request(url, published, alternates)
        if request is not None and published is not None:
            request.meta["published"] = published.isoformat()
        return request

    def parse_article(self, response: Response):
        edition = self._answered(response)
        if edition is None:
            return
        extracted: list[Article] = list(super().parse_article(response))
        if not extracted:
            edition.no_article += 1
        for article in extracted:
            edition.articles += 1
            edition.fields.update(name for name, has in FIELDS.items() if has(article))
        return
        yield  # a generator that yields nothing: nothing is stored


def probe_spider(spidercls: type[OutletSpider]) -> type[OutletSpider]:
    """The probe mode of an outlet spider: same name, domains, discovery and extraction."""
    return type(f"{spidercls.__name__}Probe", (ProbeMixin, spidercls), {})


def _timing(seconds: list[float]) -> str:
    if not seconds:
        return "-"
    return f"{statistics.median(seconds):.2f}/{max(seconds):.2f}s"


def _statuses(edition: EditionProbe) -> str:
    counts = [f"{status}x{n}" for status, n in sorted(edition.statuses.items())]
    counts += [f"{name}x{n}" for name, n in sorted(edition.errors.items())]
    return " ".join(counts) or "-"


COLUMNS = ("edition", "listing", "links", "articles", *FIELDS, "statuses", "median/max", "verdict")


def render(outlet: str, editions: list[EditionProbe]) -> str:
    """The probe's table for one outlet: a row per edition."""
    rows = []
    for e in editions:
        listing = "unreadable" if e.unreadable else ("read" if e.listing_read else "failed")
        problems = e.problems()
        rows.append(
            (
                e.label,
                f"{e.kind} {listing}",
                str(e.links),
                f"{e.articles}/{e.requested}",
                *(str(e.fields[name]) for name in FIELDS),
                _statuses(e),
                _timing(e.seconds),
                "FAILED: " + "; ".join(problems) if problems else "ok",
            )
        )
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(COLUMNS)]
    works = sum(1 for e in editions if not e.problems())
    lines = [f"{outlet}: {works} of {len(editions)} editions work"]
    for row in [COLUMNS, *rows]:
        lines.append("  " + "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    return "\n".join(line.rstrip() for line in lines)
