"""Faults: a crawl against a misbehaving local server finishes, records each fault in its stats
and in the `crawls` table, stores every good article and no broken one."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

from conftest import crawl_mirrored
from support.fault_server import GOOD, RECOVERABLE, URLS, fault_server


def _crawl(base: str, db) -> tuple:
    return crawl_mirrored(
        "unian", base, db, DOWNLOAD_TIMEOUT=3, RETRY_BACKOFF_BASE=0.1, RETRY_TIMES=2
    )


def test_a_crawl_through_every_fault_stores_the_good_articles_and_no_broken_one(tmp_path):
    db = tmp_path / "faults.db"
    with fault_server() as (base, _):
        result, stats = _crawl(base, db)
    assert result.returncode == 0, result.stderr[-3000:]
    # Faults are logged by Scrapy as download errors; nothing failed in a spider or pipeline.
    assert "Spider error processing" not in result.stderr
    assert "Error processing" not in result.stderr
    with closing(sqlite3.connect(db)) as conn:
        stored = {
            r[0]: r
            for r in conn.execute(
                "SELECT url, title, text, published, sources FROM articles WHERE url IS NOT NULL"
            )
        }
        crawl = conn.execute(
            "SELECT status, responses, no_article, errors, missing_fields FROM crawls"
        ).fetchone()

    ukr_good = {f.url for f in GOOD if f.url.startswith("https://www.unian.ua/")}
    expected = ukr_good | {URLS[name] for name in RECOVERABLE}
    assert set(stored) == expected  # the good ones, and the faults a crawl can recover from

    # Each fault is in the stats.
    def count(kind: str) -> int:
        return stats.get(f"downloader/exception_type_count/scrapy.exceptions.{kind}", 0)

    responses = json.loads(crawl[1])
    assert responses["500"] >= 3 and responses["404"] >= 1 and responses["410"] >= 1
    assert responses["429"] >= 1 and responses["503"] >= 1 and responses["302"] >= 2
    assert stats["retry/count"] >= 6 and stats["retry/max_reached"] >= 3
    assert stats["newswatch/retry/waited_s"] >= 1.0  # the 429's Retry-After was honoured
    assert count("DownloadTimeoutError") >= 1  # the stalled response
    assert count("DownloadFailedError") >= 1  # the reset connection
    assert count("ResponseDataLossError") >= 1  # the truncated body
    assert count("DownloadCancelledError") >= 1  # the 50 MB page
    assert stats["newswatch/download/decompressed_too_large"] == 1  # the gzip bomb
    assert stats["offsite/filtered"] >= 1  # the redirect to another domain
    assert stats["newswatch/extraction/no_article"] == 1
    assert stats["newswatch/extraction/charset_corrected"] == 2
    assert crawl[0] == "finished" and crawl[2] == 1 and crawl[3] >= 1

    # The recovered articles are whole and right.
    for name in ("cp1251_as_utf8", "utf8_as_cp1251"):
        title, text = stored[URLS[name]][1], stored[URLS[name]][2]
        assert "\ufffd" not in title + text, (
            name,
            title,
            text[max(0, (title + text).find("\ufffd") - 80) :][:160],
        )
        assert "Рѕ" not in title + text and "Ð" not in title + text and len(text) > 200, name
    assert stored[URLS["no_date"]][3] is None  # stored without a date, not dropped
    assert json.loads(crawl[4]).get("published", 0) >= 1  # and counted as a missing field
    assert json.loads(stored[URLS["bad_jsonld"]][4])["json-ld_invalid_blocks"] == "1"
    # The hostile feeds gave nothing and harmed nothing.
    assert not any("lol" in url or "xxe" in url for url in stored)
    # Stored, or answered for good (404, 410, a page with no article, a redirect off the
    # site): no longer pending; the others are asked for again by the next crawl.
    with closing(sqlite3.connect(db)) as conn:
        pending = {url for (url,) in conn.execute("SELECT url FROM pending")}
    assert pending == {URLS[name] for name in URLS} - {
        URLS[name] for name in (*RECOVERABLE, "e404", "e410", "no_article", "redirect_offsite")
    }
    assert stats["newswatch/pending/offsite"] == 1


def test_a_malformed_feed_is_counted_and_the_crawl_goes_on(tmp_path):
    with fault_server(malformed_feed=True) as (base, _):
        result, stats = _crawl(base, tmp_path / "m.db")
    assert result.returncode == 0
    assert stats["finish_reason"] == "finished"
    # The truncated feed is read as far as it goes: its one link, cut short, is no article.
    assert stats["newswatch/discovery/not_an_article"] == 1
    assert stats["newswatch/store/new"] >= len(RECOVERABLE)
