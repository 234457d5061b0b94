"""`newswatch probe`: each edition's listings and newest articles fetched through the real
spiders, reported per edition, saved as fixtures, nothing stored; offline against the demo
pages and the fault server (both on 127.0.0.1)."""

from __future__ import annotations

import re

from conftest import run_newswatch
from support.fault_server import fault_server
from support.listing_server import LISTED, listing_server

from newswatch.fixtures import DEMO_DIR, load_fixtures, serve_fixtures
from newswatch.outlets import OUTLETS
from newswatch.probe import EditionProbe, render
from newswatch.spiders.moscowtimes import MoscowtimesSpider
from newswatch.spiders.pravda import PravdaSpider
from newswatch.spiders.rbc import RbcSpider
from newswatch.spiders.sputnik import SputnikSpider
from newswatch.spiders.unian import UnianSpider

SPIDERS = (SputnikSpider, RbcSpider, UnianSpider, PravdaSpider, MoscowtimesSpider)
OFFLINE = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")


def _probe(mirror: str, tmp_path, *args: str):
    return run_newswatch(
        "probe",
        "--out",
        str(tmp_path / "probed"),
        "-s",
        f"NEWSWATCH_MIRROR={mirror}",
        *OFFLINE,
        *args,
        env={"NEWSWATCH_DB": str(tmp_path / "store.db")},
        cwd=tmp_path,
    )


def _row(output: str, listing: str) -> list[str]:
    """The cells of an edition's row (columns are two or more spaces apart)."""
    line = next(line for line in output.splitlines() if line.strip().startswith(listing + " "))
    return re.split(r"\s{2,}", line.strip())


def test_probe_of_the_demo_sites_reports_every_edition_and_saves_fixtures(tmp_path):
    with serve_fixtures([DEMO_DIR]) as mirror:
        result = _probe(mirror, tmp_path, "--limit", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for spider in SPIDERS:
        listings = (*spider.feeds, *spider.news_sitemaps)
        assert f"{spider.name}: {len(listings)} of {len(listings)} editions work" in result.stdout
        for listing in listings:
            assert _row(result.stdout, listing.split("://")[1])[-1] == "ok"
    # edition, listing, links, articles, title, date, author, body, language, statuses, time, ok
    ukr = _row(result.stdout, "rss.unian.net/site/news_ukr.rss")
    assert ukr[1:9] == ["feed read", "4", "2/2", "2", "2", "2", "2", "2"]
    assert ukr[9] == "200x3"  # the feed and its two newest articles
    # Saved as fixtures, as capture saves them; nothing stored anywhere.
    saved = load_fixtures([tmp_path / "probed"]).values()
    assert {f.outlet for f in saved} == set(OUTLETS)
    assert {f.page_kind for f in saved} >= {"robots", "feed", "sitemap", "article"}
    assert sum(f.page_kind == "article" for f in saved) == sum(
        int(cells[3].split("/")[1])
        for cells in (
            _row(result.stdout, url.split("://")[1])
            for spider in SPIDERS
            for url in (*spider.feeds, *spider.news_sitemaps)
        )
    )
    assert not (tmp_path / "store.db").exists() and not (tmp_path / "data").exists()
    goldens = run_newswatch("golden", str(tmp_path / "probed"), str(tmp_path / "goldens"))
    assert goldens.returncode == 0 and len(list((tmp_path / "goldens").rglob("*.json"))) > 10


def test_probe_through_the_fault_server_reports_statuses_and_fails(tmp_path):
    with fault_server() as (mirror, _):
        result = _probe(
            mirror,
            tmp_path,
            "unian",
            "--limit",
            "30",
            "-s",
            "DOWNLOAD_TIMEOUT=3",
            "-s",
            "RETRY_BACKOFF_BASE=0.1",
            "-s",
            "RETRY_TIMES=1",
        )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "unian: 0 of 3 editions work" in result.stdout
    ukr = _row(result.stdout, "rss.unian.net/site/news_ukr.rss")
    statuses = ukr[9].split()
    assert {"404x1", "410x1", "500x1", "DownloadTimeoutErrorx1"} <= set(statuses), ukr
    assert ukr[-1].startswith("FAILED: ") and "articles failed" in ukr[-1]
    assert not (tmp_path / "store.db").exists()


def test_an_edition_whose_feed_was_refused_does_not_work():
    refused = EditionProbe("https://www.unian.ua/rss", "feed")
    refused.statuses[403] += 1
    working = EditionProbe("https://www.unian.net/rss", "feed", listing_read=True, links=3)
    working.requested = working.articles = 1
    working.fields.update(["title", "date", "body", "language"])
    assert refused.problems() == ["feed not fetched"] and working.problems() == []
    table = render("unian", [refused, working])
    assert "unian: 1 of 2 editions work" in table and "403x1" in table


def test_probe_tells_an_edition_refused_by_a_challenge_page_it_is_blocked(tmp_path):
    with listing_server(refusal="challenge") as (mirror, handler):
        result = _probe(mirror, tmp_path, "unian", "--limit", "3")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    ukr = _row(result.stdout, "rss.unian.net/site/news_ukr.rss")
    assert ukr[1:4] == ["feed read", str(len(LISTED)), "0/3"], ukr
    assert "503x3" in ukr[9].split(), ukr  # counted, and not retried
    assert ukr[-1].startswith("FAILED: blocked: challenge page (cloudflare)"), ukr
    assert sum(1 for url, _ in handler.served if url in LISTED) == 3


def test_probe_takes_no_outlet_lock_and_runs_beside_a_crawl_of_the_outlet(tmp_path):
    """A probe stores nothing: it neither creates `<db>.locks/` nor is refused by a crawl of
    the outlet (the daemon's) holding the outlet's lock."""
    from newswatch.locks import held_lock
    from newswatch.outlet_lock import outlet_lock_path

    with serve_fixtures([DEMO_DIR]) as mirror:
        alone = _probe(mirror, tmp_path, "unian", "--limit", "1")
        assert not (tmp_path / "store.db.locks").exists()
        with held_lock(outlet_lock_path(tmp_path / "store.db", "unian"), wait=False):
            beside = _probe(mirror, tmp_path, "unian", "--limit", "1")
    for result in (alone, beside):
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        assert "unian: 3 of 3 editions work" in result.stdout
    assert not (tmp_path / "store.db").exists()
