"""The five outlet spiders: an offline smoke test over every registered spider, and each spider
run end to end against the hand-written demo pages served from a local server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime

import pytest
from conftest import REPO, crawl_mirrored
from scrapy import Request
from scrapy.exceptions import CloseSpider
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.test import get_crawler

from newswatch.fixtures import DEMO_DIR, load_fixtures, serve_fixtures
from newswatch.outlets import OUTLETS, outlet_for_url
from newswatch.runner import project_settings

OUTLET_NAMES = sorted(OUTLETS)
LOADER = SpiderLoader.from_settings(project_settings())
GOLDEN = REPO / "tests" / "golden" / "handwritten"


def test_exactly_the_five_outlets_are_registered():
    assert sorted(LOADER.list()) == OUTLET_NAMES


def _requests(spider) -> list[Request]:
    async def collect():
        return [r async for r in spider.discover()]

    return asyncio.run(collect())


@pytest.mark.parametrize("name", OUTLET_NAMES)
def test_monitoring_mode_asks_for_the_outlets_own_feeds(name):
    cls = LOADER.load(name)
    spider = cls.from_crawler(get_crawler(cls))
    requests = _requests(spider)
    assert requests, "no feed or sitemap to start from"
    for request in requests:
        assert outlet_for_url(request.url) == name or "themoscowtimes.com" in request.url
        assert request.meta["conditional"] is True  # ETag / Last-Modified
    assert set(spider.allowed_domains) == set(OUTLETS[name].domains)


@pytest.mark.parametrize("name", OUTLET_NAMES)
def test_backfill_mode_walks_archives_back_to_the_date(name, mocker):
    cls = LOADER.load(name)
    mocker.patch(
        "newswatch.spiders.base.utc_now", return_value=datetime(2026, 11, 22, 12, tzinfo=UTC)
    )
    spider = cls.from_crawler(get_crawler(cls), since="2026-11-19")
    requests = _requests(spider)
    assert requests
    assert all(not r.meta.get("conditional") for r in requests)
    archives = [r.url for r in requests if r.meta["page_kind"] == "archive"]
    if cls.archive_pages:  # one page per day and archive, 22nd back to the 19th, no further
        assert len(archives) == 4 * len(cls.archive_pages)
        assert not any("20261118" in u or "2026/11/18" in u for u in archives)


@pytest.mark.parametrize(("since", "why"), [("19.11.2026", "YYYY-MM-DD"), ("1989-12-31", "1990")])
def test_a_bad_since_is_refused(since, why):
    """Refused when the crawl starts, before any request: raised from the constructor, it
    ended `scrapy crawl` in a traceback."""
    cls = LOADER.load("unian")
    spider = cls.from_crawler(get_crawler(cls), since=since)
    assert why in spider.bad_argument and spider.since is None
    with pytest.raises(CloseSpider) as closed:
        asyncio.run(anext(spider.start()))
    assert closed.value.reason == "bad_argument"


def test_article_links_are_filtered_to_the_outlets_articles():
    cls = LOADER.load("moscowtimes")
    spider = cls.from_crawler(get_crawler(cls))
    assert spider.article_request("https://www.themoscowtimes.com/2026/11/19/x-a93412")
    assert spider.article_request("https://www.moscowtimes.ru/2026/11/19/y-a183517")
    assert spider.article_request("https://www.themoscowtimes.com/news") is None  # a section
    assert spider.article_request("https://evil.example/2026/11/19/x-a1") is None  # offsite


# --- end to end -------------------------------------------------------------------------------


def _crawl(name: str, base: str, db, *args: str) -> dict:
    result, stats = crawl_mirrored(name, base, db, *args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return stats


def _demo_articles(name: str) -> dict[str, dict]:
    return {
        json.loads(g.read_text())["url"]: json.loads(g.read_text())
        for g in (GOLDEN / name).glob("*.json")
    }


@pytest.fixture(scope="module")
def server():
    with serve_fixtures([DEMO_DIR]) as base:
        yield base


@pytest.mark.parametrize("name", OUTLET_NAMES)
def test_each_spider_crawls_its_demo_pages_end_to_end(name, server, tmp_path):
    db = tmp_path / "e2e.db"
    stats = _crawl(name, server, db)
    expected = _demo_articles(name)
    with closing(sqlite3.connect(db)) as conn:
        conn.row_factory = sqlite3.Row
        rows = {
            r["url"]: r
            for r in conn.execute(
                "SELECT * FROM articles WHERE outlet = ? AND url IS NOT NULL", [name]
            )
        }
    assert set(rows) == set(expected)  # every article the feeds list, nothing else
    for url, golden in expected.items():
        row = rows[url]
        assert row["title"] == golden["title"]
        assert row["published"] == golden["published"]
        assert row["language"] == golden["language"]
        assert json.loads(row["authors"]) == golden["authors"]
        assert row["text"].split("\n\n")[0] == golden["first_paragraph"]
        assert bool(row["on_topic"]) == golden["on_topic"], url  # the page author's judgement
    assert stats["newswatch/store/new"] == len(expected)  # what the crawl found
    assert stats["newswatch/store/seed/new"] == 5  # the seeds on first use, counted apart
    assert stats.get("log_count/ERROR", 0) == 0

    # A second crawl: every feed answers 304 and no article is requested again.
    again = _crawl(name, server, db)
    feeds = len(LOADER.load(name).feeds) + len(LOADER.load(name).news_sitemaps)
    assert again["newswatch/conditional/not_modified"] == feeds
    assert again.get("newswatch/store/new", 0) == 0
    assert again.get("newswatch/discovery/article_links", 0) == 0


def test_backfill_finds_articles_on_archive_pages_and_sitemaps(server, tmp_path):
    db = tmp_path / "backfill.db"
    stats = _crawl("rbc", server, db, "-a", "since=2026-11-19")
    listed = {u for u, f in load_fixtures([DEMO_DIR / "rbc"]).items() if f.page_kind == "archive"}
    assert listed  # the demo has the archive page of 2026-11-19
    with closing(sqlite3.connect(db)) as conn:
        stored = {
            r[0]
            for r in conn.execute(
                "SELECT url FROM articles WHERE outlet = 'rbc' AND url IS NOT NULL"
            )
        }
    assert len(stored) == 3  # the three articles on that day's archive page
    assert stats.get("newswatch/conditional/sent", 0) == 0
    sputnik = _crawl("sputnik", server, tmp_path / "sp.db", "-a", f"since={date(2026, 11, 1)}")
    assert sputnik["newswatch/store/new"] == 6  # the November sitemap's six (not the seeds)


def test_robots_txt_is_obeyed(tmp_path):
    import shutil

    corpus = tmp_path / "corpus"
    shutil.copytree(DEMO_DIR / "unian", corpus / "unian")
    (corpus / "unian/robots/www.unian.ua.txt").write_text("User-agent: *\nDisallow: /\n")
    with serve_fixtures([corpus]) as base:
        stats = _crawl("unian", base, tmp_path / "robots.db")
    with closing(sqlite3.connect(tmp_path / "robots.db")) as conn:
        hosts = {
            r[0].split("/")[2]
            for r in conn.execute(
                "SELECT url FROM articles WHERE outlet = 'unian' AND url IS NOT NULL"
            )
        }
    assert hosts == {"www.unian.net", "www.unian.info"}  # www.unian.ua forbids everything
    assert stats["robotstxt/forbidden"] == 4


def test_a_recheck_fetches_stored_articles_again_and_keeps_their_earlier_text(server, tmp_path):
    import shutil

    db = tmp_path / "recheck.db"
    _crawl("unian", server, db)
    corpus = tmp_path / "corpus"
    shutil.copytree(DEMO_DIR / "unian", corpus / "unian")
    page = corpus / "unian" / "article" / "nato-enlargement-uk.html"  # on the 19th's archive
    page.write_text(page.read_text().replace("</p>", " Оновлено.</p>", 1))
    with serve_fixtures([corpus]) as updated:
        plain = _crawl("unian", updated, db)
        assert plain.get("newswatch/store/updated", 0) == 0  # not fetched again
        # The daemon's daily pass: the archive, and the stored articles it lists fetched again.
        rechecked = _crawl(
            "unian",
            updated,
            db,
            "-a",
            "since=2026-11-19",
            "-s",
            "NEWSWATCH_RECHECK_SINCE=2000-01-01",
        )
    assert rechecked["newswatch/rechecked"] == 2  # the two articles on the archive page
    assert rechecked["newswatch/store/updated"] == 1
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM article_versions").fetchone()[0] == 1
