"""A local server for the "nothing lost" tests: UNIAN's Ukrainian feed listing LISTED article
URLs, served with an ETag (and a 304 to a request that names it, as a live site answers), and
each article a good UNIAN page rewritten to its URL, served a little slowly so that a crawl can
be stopped half-way. Hand-written; it only ever listens on 127.0.0.1."""

from __future__ import annotations

import time
from contextlib import contextmanager

from support.fault_server import page_for
from support.local_server import QuietHandler, local_server

FEED_URL = "https://rss.unian.net/site/news_ukr.rss"
LISTED = [f"https://www.unian.ua/politics/listed-{n}-{13500000 + n:08d}.html" for n in range(30)]
ETAG = '"listing-1"'


def feed() -> bytes:
    items = "".join(
        f"<item><title>t</title><link>{url}</link>"
        "<pubDate>Fri, 20 Nov 2026 10:00:00 +0200</pubDate></item>"
        for url in LISTED
    )
    channel = f"<channel>{items}</channel>"
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0">{channel}</rss>'.encode()


# What a site that refuses newswatch answers for an article, by kind of refusal.
CHALLENGE = (
    b"<html><head><title>Just a moment...</title></head><body><script>"
    b"window._cf_chl_opt={cType: 'managed'};</script>"
    b"<script src='/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1'></script></body></html>"
)
REFUSALS = {
    "challenge": (503, CHALLENGE, {"Server": "cloudflare", "cf-mitigated": "challenge"}),
    "451": (451, b"<h1>Unavailable For Legal Reasons</h1>", {"Server": "nginx"}),
}


class ListingHandler(QuietHandler):
    article_delay_s = 0.2
    refusal: str | None = None  # a key of REFUSALS: every article is refused so
    served: list[tuple[str, int]] = []  # (URL, status) of every answer, in order

    def _send(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
        self.served.append(("https:/" + self.path, status))
        super()._send(status, body, headers)

    def do_GET(self):  # noqa: N802 (http.server's name)
        url = "https:/" + self.path
        if url == FEED_URL:
            if self.headers.get("If-None-Match") == ETAG:
                return self._send(304, headers={"ETag": ETAG})
            return self._send(200, feed(), {"Content-Type": "application/rss+xml", "ETag": ETAG})
        if url in LISTED and self.refusal:
            status, body, headers = REFUSALS[self.refusal]
            return self._send(status, body, {"Content-Type": "text/html", **headers})
        if url in LISTED:
            time.sleep(self.article_delay_s)
            # Each its own text, so that none is a copy of another.
            body = page_for(url).replace(b"</h1>", f" ({LISTED.index(url)})</h1>".encode(), 1)
            return self._send(200, body)
        return self._send(404)

    @classmethod
    def articles_served(cls) -> int:
        return sum(1 for url, status in cls.served if url in LISTED and status == 200)


@contextmanager
def listing_server(refusal: str | None = None, article_delay_s: float = 0.2):
    handler = type(
        "Handler",
        (ListingHandler,),
        {"served": [], "refusal": refusal, "article_delay_s": article_delay_s},
    )
    with local_server(handler) as base:
        yield base, handler
