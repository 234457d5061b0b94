"""The download handler behind NEWSWATCH_MIRROR: fetch `https://host/path?q` from
`<NEWSWATCH_MIRROR>/host/path?q` instead (tests, benchmarks, `newswatch demo`).

It sits where Scrapy opens connections, below every downloader middleware: robots.txt, retries,
redirects, offsite filtering, the download slots of each site and the spider all see the site's
request and a response under the site's URL, never the mirror. The local fetch itself neither
redirects nor retries (its response goes back up as the site's, through the usual middlewares),
so a redirect can never lead a mirrored crawl onto the network. With no mirror set it is Scrapy's
own HTTP/1.1 handler, unchanged.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.http import Response


def mirrored_url(mirror: str, url: str) -> str:
    """Where `url` is found on the mirror."""
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{mirror.rstrip('/')}/{parts.netloc}{parts.path or '/'}{query}"


class MirrorDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, fetching from NEWSWATCH_MIRROR when it is set."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.mirror = crawler.settings.get("NEWSWATCH_MIRROR") or ""

    async def download_request(self, request: Request) -> Response:
        if not self.mirror:
            return await super().download_request(request)
        local = request.replace(url=mirrored_url(self.mirror, request.url))
        response = await super().download_request(local)
        if "download_latency" in local.meta:  # AutoThrottle reads it from the site's request
            request.meta["download_latency"] = local.meta["download_latency"]
        return response.replace(url=request.url, request=request)
