"""A misbehaving local server for the fault tests: it serves UNIAN's demo pages (as
NEWSWATCH_MIRROR expects, /<host>/<path>) and, for the article URLs its feed lists, one fault
each. Hand-written; it only ever listens on 127.0.0.1."""

from __future__ import annotations

import gzip
import time
from contextlib import contextmanager
from http.server import ThreadingHTTPServer

from support.local_server import QuietHandler, local_server

from newswatch.fixtures import DEMO_DIR, load_fixtures

GOOD = [f for f in load_fixtures([DEMO_DIR / "unian"]).values() if f.page_kind == "article"]
UKR = [f for f in GOOD if f.url.startswith("https://www.unian.ua/")]
BASE = "https://www.unian.ua/politics/fault-{}-{:08d}.html"

# fault name -> the article id its URL carries
FAULTS = [
    "e500",
    "e503_once",
    "e429_once",
    "e404",
    "e410",
    "reset",
    "stall",
    "truncated",
    "cp1251_as_utf8",
    "utf8_as_cp1251",
    "huge",
    "gzip_bomb",
    "redirect_loop",
    "redirect_offsite",
    "no_article",
    "no_date",
    "bad_jsonld",
]
URLS = {name: BASE.format(name.replace("_", "-"), 13300000 + n) for n, name in enumerate(FAULTS)}
# The articles a correct crawl stores: the good ones, and the faults it can recover from.
RECOVERABLE = {
    "e503_once",
    "e429_once",
    "cp1251_as_utf8",
    "utf8_as_cp1251",
    "no_date",
    "bad_jsonld",
}


def feed(bad: str | None = None) -> bytes:
    items = "".join(
        f"<item><title>t</title><link>{url}</link><pubDate>Fri, 20 Nov 2026 10:00:00 +0200"
        f"</pubDate></item>"
        for url in [*(f.url for f in UKR), *URLS.values()]
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>{items}'
        f"</channel></rss>".encode()
    )


BILLION_LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss><channel><item><title>&lol3;</title><link>https://www.unian.net/x/lol-13399998.html</link>
</item></channel></rss>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss><channel><item><title>&x;</title><link>https://www.unian.info/x/xxe-13399997.html</link>
</item></channel></rss>"""


def page_for(url: str) -> bytes:
    """A good UNIAN article page, rewritten to live at `url` (its canonical link included)."""
    original = UKR[0]
    return original.body.replace(original.url.encode(), url.encode())


class FaultHandler(QuietHandler):
    seen: dict[str, int] = {}
    malformed_feed = False

    def do_GET(self):  # noqa: N802, C901 (one branch per fault)
        url = "https:/" + self.path
        count = self.seen[url] = self.seen.get(url, 0) + 1
        good = {f.url: f for f in GOOD}
        template = page_for(url)
        if url.endswith("/robots.txt"):
            return self._send(404)
        if url == "https://rss.unian.net/site/news_ukr.rss":
            return self._send(200, feed(), {"Content-Type": "application/rss+xml"})
        if url == "https://rss.unian.net/site/news_rus.rss":
            body = (
                b"<rss><channel><item><link>https://www.unian.net/x"
                if self.malformed_feed
                else BILLION_LAUGHS
            )
            return self._send(200, body, {"Content-Type": "application/rss+xml"})
        if url == "https://rss.unian.net/site/news_eng.rss":
            return self._send(200, EXTERNAL_ENTITY, {"Content-Type": "application/rss+xml"})
        if url in good:
            return self._send(200, good[url].body)
        fault = next((name for name, u in URLS.items() if u == url), None)
        if fault is None:
            return self._send(404)
        if fault == "e500":
            return self._send(500, b"oops")
        if fault == "e503_once":
            return self._send(503) if count == 1 else self._send(200, template)
        if fault == "e429_once":
            return (
                self._send(429, b"", {"Retry-After": "1"})
                if count == 1
                else self._send(200, template)
            )
        if fault in ("e404", "e410"):
            return self._send(int(fault[1:]))
        if fault == "reset":
            self.connection.shutdown(2)
            return None
        if fault == "stall":
            time.sleep(6)
            return self._send(200, template)
        if fault == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(template)))
            self.end_headers()
            self.wfile.write(template[: len(template) // 3])
            self.connection.shutdown(2)
            return None
        if fault == "cp1251_as_utf8":
            text = template.decode("utf-8").replace('charset="UTF-8"', "")
            return self._send(
                200, text.encode("cp1251", "replace"), {"Content-Type": "text/html; charset=utf-8"}
            )
        if fault == "utf8_as_cp1251":
            body = template.replace(b'charset="UTF-8"', b"")
            return self._send(200, body, {"Content-Type": "text/html; charset=windows-1251"})
        if fault == "huge":
            return self._send(200, b"<html><body>" + b"x" * (50 * 1024 * 1024))
        if fault == "gzip_bomb":
            bomb = gzip.compress(b"\0" * (200 * 1024 * 1024))
            return self._send(200, bomb, {"Content-Type": "text/html", "Content-Encoding": "gzip"})
        if fault == "redirect_loop":
            return self._send(302, b"", {"Location": url})
        if fault == "redirect_offsite":
            return self._send(302, b"", {"Location": "https://evil.example/x.html"})
        if fault == "no_article":
            return self._send(200, b"<html><body><nav>Menu</nav></body></html>")
        if fault == "no_date":
            body = template.replace(b'"datePublished"', b'"x"').replace(b"datetime=", b"x=")
            return self._send(200, body)
        if fault == "bad_jsonld":
            return self._send(
                200, template.replace(b'"@type": "NewsArticle",', b'"@type": "NewsArticle",,,')
            )
        return self._send(404)


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that hangs up on a huge or stalled answer is what the faults are for


@contextmanager
def fault_server(malformed_feed: bool = False):
    handler = type("Handler", (FaultHandler,), {"seen": {}, "malformed_feed": malformed_feed})
    with local_server(handler, QuietServer) as base:
        yield base, handler
