"""Downloader middlewares: what happens to a request between a spider and the network.

- ConditionalGetMiddleware: feeds and sitemaps are fetched with If-None-Match /
  If-Modified-Since; an unchanged one costs one request and no parsing (a 304 reaches the
  spider, which stops there).
- SkipKnownArticlesMiddleware: an article request whose canonical URL or id the store already
  holds is never sent.
- BackoffRetryMiddleware: 429 and 5xx are retried after the wait the server's Retry-After
  asks, or with exponential back-off.
- RobotsTxtMiddleware: Scrapy's, with requests that wait together for one host's robots.txt
  all checked against it (see the class).
- HttpCompressionMiddleware: Scrapy's, counting the responses it drops for decompressing past
  DOWNLOAD_MAXSIZE (a gzip bomb) in newswatch/download/decompressed_too_large.
- BlockingMiddleware: a response that refuses newswatch (403, 451, a bot challenge page) is
  counted as blocked and goes no further: it is not retried, nor taken for a page with no
  article.
- OutletProxyMiddleware: an outlet's requests through its own proxy (NEWSWATCH_PROXY_<OUTLET>),
  for Scrapy's HttpProxyMiddleware.
- ReplayMiddleware: with NEWSWATCH_REPLAY, every request is answered from saved fixtures.
- CaptureMiddleware: with NEWSWATCH_CAPTURE, every response is saved as a fixture.
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import (
    HttpCompressionMiddleware as ScrapyHttpCompressionMiddleware,
)
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import (
    RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware,
)
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from newswatch.blocking import blocked_reason
from newswatch.crawlstate import crawl_state
from newswatch.dates import iso_utc, utc_now

logger = logging.getLogger(__name__)


class CrawlStateMiddleware:
    """A middleware that reads or keeps the crawl's state (newswatch.crawlstate: the SQLite
    store on one machine, Redis for a worker), opened on first use, closed with the spider."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def state(self):
        return crawl_state(self.crawler)


class ConditionalGetMiddleware(CrawlStateMiddleware):
    """For requests with meta["conditional"]: send the validators the last 200 carried; hand
    the new ones on in meta["validators"] (newswatch.pending saves them with what the listing
    names); count 304s in newswatch/conditional/not_modified."""

    def process_request(self, request: Request):
        if not request.meta.get("conditional"):
            return None
        row = self.state.validators(request.url)
        if row:
            etag, modified = row
            if etag:
                request.headers.setdefault(b"If-None-Match", etag)
            if modified:
                request.headers.setdefault(b"If-Modified-Since", modified)
            self.stats.inc_value("newswatch/conditional/sent")
        return None

    def process_response(self, request: Request, response):
        if not request.meta.get("conditional"):
            return response
        if response.status == 304:
            self.stats.inc_value("newswatch/conditional/not_modified")
        elif response.status == 200:
            etag = response.headers.get(b"ETag")
            modified = response.headers.get(b"Last-Modified")
            if etag or modified:
                # Saved by PendingArticlesMiddleware once the listing is read, together with
                # the articles it names: never before they are safe.
                request.meta["validators"] = {
                    "url": request.url,
                    "etag": etag.decode("latin-1") if etag else None,
                    "last_modified": modified.decode("latin-1") if modified else None,
                    "checked_at": iso_utc(utc_now()),
                }
        return response


class SkipKnownArticlesMiddleware(CrawlStateMiddleware):
    """Drops article requests (meta["page_kind"] == "article") for articles already stored,
    by id, canonical URL or the outlet's article id (an edited slug is the same article);
    counts them in newswatch/skipped/known.

    With NEWSWATCH_RECHECK_SINCE (a date; the daemon's daily backfill sets it), an article
    first seen on or after that day is fetched again, once per such crawl, so that an update
    to it is seen and its earlier text kept in article_versions."""

    def process_request(self, request: Request):
        if request.meta.get("page_kind") != "article":
            return None
        known = self.state.first_seen(request.url)
        if known:
            recheck = self.crawler.settings.get("NEWSWATCH_RECHECK_SINCE")
            if recheck and (known[0] or "") >= recheck:
                self.stats.inc_value("newswatch/rechecked")
                return None
            self.stats.inc_value("newswatch/skipped/known")
            if request.meta.get("pending"):  # stored by a crawl stopped before it forgot it
                self.state.forget_pending([request.url])
            raise IgnoreRequest(f"already stored: {request.url}")
        return None


def retry_delay(
    retry_after: bytes | str | None,
    attempt: int,
    base: float,
    cap: float,
    now: datetime | None = None,
) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, ...): what the server's Retry-After
    asks (seconds or an HTTP date), else exponential back-off `base * 2**(attempt-1)`, with at
    most `cap` either way."""
    if isinstance(retry_after, bytes):
        retry_after = retry_after.decode("latin-1")
    if retry_after:
        value = retry_after.strip()
        if value.isdigit():
            return min(float(value), cap)
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            seconds = (when - (now or datetime.now(UTC))).total_seconds()
            return min(max(seconds, 0.0), cap)
    return min(base * 2 ** (attempt - 1), cap)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, waiting before each retry of a 429 / 5xx response: as long as
    the server's Retry-After asks, else with exponential back-off (RETRY_BACKOFF_BASE seconds,
    doubling, at most RETRY_BACKOFF_MAX). Waits are counted in newswatch/retry/waited_s."""

    def __init__(self, settings, crawler):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 300.0)
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings, crawler)

    async def process_response(self, request: Request, response):
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        attempt = request.meta.get("retry_times", 0) + 1
        if attempt <= self.max_retry_times:
            delay = retry_delay(response.headers.get(b"Retry-After"), attempt, self.base, self.cap)
            if delay > 0:
                self.crawler.stats.inc_value("newswatch/retry/waited_s", round(delay, 3))
                await asyncio.sleep(delay)
        return super().process_response(request, response)


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's RobotsTxtMiddleware, fixed for requests that wait together for one host's
    robots.txt. In Scrapy 2.19 they await one shared Deferred through Twisted's asFuture(),
    whose adapter returns None to the next callback: only the first waiter gets the parser, the
    others get None, which the middleware reads as "no robots.txt, allow". When the parser
    comes back None, read it again from where the middleware keeps it (set before the Deferred
    fires); so every request is checked against the rules."""

    async def robot_parser(self, request: Request):
        parser = await super().robot_parser(request)
        if parser is None:
            stored = self._parsers.get(urlparse_cached(request).netloc)
            if stored is not None and not isinstance(stored, Deferred):
                return stored
        return parser


class HttpCompressionMiddleware(ScrapyHttpCompressionMiddleware):
    """Scrapy's, which drops a response that decompresses past DOWNLOAD_MAXSIZE with a warning
    only; this one also counts it, so that a gzip bomb shows in the crawl's stats."""

    def process_response(self, request: Request, response):
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            self.stats.inc_value("newswatch/download/decompressed_too_large")
            raise


class BlockedResponse(IgnoreRequest):
    """A response the site refused newswatch with (`newswatch.blocking.blocked_reason`),
    dropped by BlockingMiddleware; the request's errback gets it."""

    def __init__(self, reason: str, status: int, url: str):
        super().__init__(f"blocked: {reason}: {url}")
        self.reason, self.status = reason, status


class BlockingMiddleware(CrawlStateMiddleware):
    """Responses that refuse newswatch (`newswatch.blocking.blocked_reason`: 403, 451, a bot
    challenge page, whatever its status) are counted (newswatch/blocked/responses, per page
    kind newswatch/blocked/<kind>, the first reason in newswatch/blocked/reason), logged once,
    and dropped: a challenge served as 503 is not retried, one served as 200 is not taken for
    a page with no article, and a pending article's request refused so is not counted as one
    of its tries. A crawl whose article pages were all refused so is recorded as `blocked`
    (CrawlRecorder). robots.txt is left to Scrapy."""

    def process_response(self, request: Request, response):
        if request.url.endswith("/robots.txt"):
            return response
        reason = blocked_reason(response.status, response.headers, response.body)
        if reason is None:
            return response
        self.stats.inc_value("newswatch/blocked/responses")
        self.stats.inc_value(f"newswatch/blocked/{request.meta.get('page_kind', 'page')}")
        if self.stats.get_value("newswatch/blocked/reason") is None:
            self.stats.set_value("newswatch/blocked/reason", reason)
            logger.warning("blocked: %s: %s (a proxy may help)", request.url, reason)
        if request.meta.get("pending"):
            self.state.refund_try(request.url)
        raise BlockedResponse(reason, response.status, request.url)


class OutletProxyMiddleware:
    """Sends an outlet's requests through the proxy named for it, for the sites that refuse
    where newswatch runs (Sputnik in the EU, The Moscow Times in Russia): the setting
    NEWSWATCH_PROXY_<OUTLET> (`-s NEWSWATCH_PROXY_SPUTNIK=http://user:pass@host:port`), else the
    environment variable of that name. It sets meta["proxy"], which Scrapy's
    HttpProxyMiddleware then uses (credentials included); a request that names its own proxy
    keeps it. Without one, HttpProxyMiddleware still honours HTTPS_PROXY / HTTP_PROXY for all
    outlets. Counted in newswatch/proxy/requests."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request: Request):
        name = f"NEWSWATCH_PROXY_{getattr(self.crawler.spider, 'name', '').upper()}"
        proxy = self.crawler.settings.get(name) or os.environ.get(name)
        if proxy and "proxy" not in request.meta:
            request.meta["proxy"] = proxy
            self.crawler.stats.inc_value("newswatch/proxy/requests")
        return None


class ReplayMiddleware:
    """With NEWSWATCH_REPLAY set to a fixtures folder, answer every request from it and never
    touch the network: the saved response for the request's URL (a 304 when the request's
    If-None-Match names the saved body's ETag, as a live site would), or for a URL with no
    saved response a 404 marked as a miss (newswatch/replay/miss in the stats)."""

    def __init__(self, folder: str, crawler):
        from newswatch.fixtures import load_fixtures

        self.index = load_fixtures([Path(folder)])
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        folder = crawler.settings.get("NEWSWATCH_REPLAY")
        if not folder:
            raise NotConfigured
        if not Path(folder).is_dir():
            raise ValueError(f"NEWSWATCH_REPLAY={folder}: no such folder")
        return cls(folder, crawler)

    def process_request(self, request: Request):
        from scrapy.http import Response
        from scrapy.responsetypes import responsetypes

        from newswatch.fixtures import fixture_etag

        fixture = self.index.get(request.url)
        stats = self.crawler.stats
        if fixture is None:
            stats.inc_value("newswatch/replay/miss")
            return Response(
                request.url, status=404, request=request, headers={"X-Newswatch-Replay": "miss"}
            )
        body = fixture.body
        etag = fixture_etag(body)
        stats.inc_value("newswatch/replay/hit")
        if fixture.status == 200 and request.headers.get(b"If-None-Match") == etag.encode():
            return Response(request.url, status=304, request=request, headers={"ETag": etag})
        headers = {
            k: v
            for k, v in fixture.headers.items()
            if k.lower() not in ("content-encoding", "transfer-encoding")
        }
        headers["ETag"] = etag
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return cls(request.url, status=fixture.status, headers=headers, body=body, request=request)


class CaptureMiddleware:
    """With NEWSWATCH_CAPTURE set to a folder, save every response the crawl receives as a
    fixture (body byte for byte, and a sidecar), keeping the newest NEWSWATCH_CAPTURE_KEEP per
    outlet and page kind; counts newswatch/capture/saved."""

    def __init__(self, folder: str, keep: int, crawler):
        from newswatch.fixtures import FixtureRetention

        self.folder = Path(folder)
        self.retention = FixtureRetention(keep) if keep else None  # 0: keep every one
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        folder = crawler.settings.get("NEWSWATCH_CAPTURE")
        if not folder:
            raise NotConfigured
        return cls(folder, crawler.settings.getint("NEWSWATCH_CAPTURE_KEEP", 200), crawler)

    def process_response(self, request: Request, response):
        from newswatch.fixtures import save_fixture

        if response.status == 304:
            return response
        spider = self.crawler.spider
        kind = request.meta.get("page_kind") or (
            "robots" if request.url.endswith("/robots.txt") else "page"
        )
        # The body is saved decompressed, so the headers that described the transfer go.
        headers = {
            k.decode("latin-1"): b", ".join(v).decode("latin-1")
            for k, v in response.headers.items()
            if k.lower() not in (b"content-encoding", b"content-length", b"transfer-encoding")
        }
        try:
            save_fixture(
                self.folder,
                url=request.url,
                final_url=response.url,
                status=response.status,
                headers=headers,
                body=response.body,
                outlet=getattr(spider, "name", "unknown"),
                page_kind=kind,
                fetched_at=iso_utc(utc_now()),
                retention=self.retention,
            )
            self.crawler.stats.inc_value("newswatch/capture/saved")
        except OSError as error:  # a full disk must not stop the crawl
            self.crawler.stats.inc_value("newswatch/capture/failed")
            logger.error("cannot save fixture of %s: %s", request.url, error)
        return response
