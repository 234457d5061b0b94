"""An outlet that refuses newswatch is reported as blocked, not as broken; and an outlet's
requests go through the proxy named for it."""

from __future__ import annotations

import sqlite3
import urllib.error
import urllib.request
from contextlib import closing, contextmanager

import pytest
from conftest import crawl_mirrored, run_newswatch
from scrapy import Request
from scrapy.utils.test import get_crawler
from support.listing_server import LISTED, listing_server
from support.local_server import QuietHandler, local_server

from newswatch.middlewares import OutletProxyMiddleware
from newswatch.spiders.unian import UnianSpider


@pytest.mark.slow
@pytest.mark.parametrize(
    ("refusal", "reason"),
    [("challenge", "challenge page (cloudflare)"), ("451", "HTTP 451")],
)
def test_an_outlet_refusing_every_article_is_blocked_not_broken(tmp_path, refusal, reason):
    db = tmp_path / "blocked.db"
    with listing_server(refusal=refusal) as (base, handler):
        result, stats = crawl_mirrored("unian", base, db, RETRY_BACKOFF_BASE=0.1)
    assert result.returncode == 0, result.stderr[-3000:]
    # Each article was asked once: a challenge is not retried.
    assert sum(1 for url, _ in handler.served if url in LISTED) == len(LISTED)
    assert stats["newswatch/blocked/article"] == len(LISTED)
    with closing(sqlite3.connect(db)) as conn:
        row = conn.execute(
            "SELECT status, blocked, blocked_reason, no_article FROM crawls"
        ).fetchone()
        pending = conn.execute("SELECT count(*) FROM pending").fetchone()[0]
    assert row[0] == "blocked" and row[1] == len(LISTED) and row[2].startswith(reason)
    assert row[3] == 0  # no "page without an article"
    assert pending == len(LISTED)  # refused, not lost: asked again by the next crawl
    status = run_newswatch("status", "--db", str(db))
    assert status.returncode == 2
    line = next(x for x in status.stdout.splitlines() if x.startswith("unian"))
    assert line.startswith("unian        BLOCKED: blocked:") and reason in line, line
    assert "NEWSWATCH_PROXY_UNIAN" in line and "layout" not in line, line


class RecordingProxy(QuietHandler):
    """A plain HTTP proxy: forwards each request to the URL it names, records the URL."""

    forwarded: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.forwarded.append(self.path)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(self.path, timeout=30) as answer:
                status, headers, body = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, error.headers, error.read()
        hop_by_hop = ("content-length", "transfer-encoding", "connection")
        self._send(status, body, {k: v for k, v in headers.items() if k.lower() not in hop_by_hop})


@contextmanager
def recording_proxy():
    handler = type("Proxy", (RecordingProxy,), {"forwarded": []})
    with local_server(handler) as base:
        yield base, handler


@pytest.mark.slow
def test_an_outlets_crawl_goes_through_its_own_proxy(tmp_path):
    db = tmp_path / "proxied.db"
    with listing_server(article_delay_s=0) as (base, _), recording_proxy() as (proxy, handler):
        result, stats = crawl_mirrored("unian", base, db, NEWSWATCH_PROXY_UNIAN=proxy)
    assert result.returncode == 0, result.stderr[-3000:]
    forwarded = {url.split("/", 3)[-1] for url in handler.forwarded}
    assert "rss.unian.net/site/news_ukr.rss" in forwarded
    assert {url.removeprefix("https://") for url in LISTED} <= forwarded
    assert stats["newswatch/store/new"] >= len(LISTED)


def _proxy_for(monkeypatch, settings: dict, environment: dict, meta: dict | None = None):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    crawler = get_crawler(UnianSpider, settings_dict=settings)
    crawler.spider = UnianSpider.from_crawler(crawler)
    request = Request("https://www.unian.ua/politics/a-13219538.html", meta=meta or {})
    OutletProxyMiddleware.from_crawler(crawler).process_request(request)
    return request.meta.get("proxy")


def test_the_proxy_is_the_outlets_setting_else_its_environment_variable(monkeypatch):
    monkeypatch.delenv("NEWSWATCH_PROXY_UNIAN", raising=False)
    assert _proxy_for(monkeypatch, {}, {}) is None
    assert _proxy_for(monkeypatch, {}, {"NEWSWATCH_PROXY_UNIAN": "http://env:1"}) == "http://env:1"
    assert _proxy_for(monkeypatch, {"NEWSWATCH_PROXY_UNIAN": "http://set:2"}, {}) == "http://set:2"
    # Another outlet's proxy is not this one's; a request's own proxy stands.
    monkeypatch.delenv("NEWSWATCH_PROXY_UNIAN")
    assert _proxy_for(monkeypatch, {}, {"NEWSWATCH_PROXY_SPUTNIK": "http://s:3"}) is None
    assert _proxy_for(monkeypatch, {}, {}, {"proxy": "http://own:4"}) == "http://own:4"


@pytest.mark.slow
def test_a_site_that_keeps_refusing_does_not_use_up_the_pending_articles_tries(tmp_path):
    """Three blocked crawls with one try allowed: a refusal is not a try, so every listed
    article is still pending, to be fetched once the site (or a proxy) lets newswatch in."""
    db = tmp_path / "blocked.db"
    with listing_server(refusal="451") as (base, _):
        for _ in range(3):
            result, stats = crawl_mirrored(
                "unian", base, db, RETRY_BACKOFF_BASE=0.1, NEWSWATCH_PENDING_TRIES=1
            )
            assert result.returncode == 0, result.stderr[-3000:]
            assert stats.get("newswatch/pending/given_up", 0) == 0
    with closing(sqlite3.connect(db)) as conn:
        pending = conn.execute("SELECT count(*) FROM pending").fetchone()[0]
    assert pending == len(LISTED)
    assert stats["newswatch/pending/requested"] == len(LISTED)  # asked again, and refused
