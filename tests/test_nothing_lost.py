"""Nothing lost, nothing hidden: a crawl stopped half-way (SIGTERM, as the daemon stops it, or
SIGKILL) loses no article its listing named, although the listing answers 304 to the next
crawl; and the crawl killed without a word is seen as `died`, not "ok"."""

from __future__ import annotations

import signal
import sqlite3
import time
from contextlib import closing

import pytest
from conftest import NOW, crawl_mirrored, run_newswatch, start_mirrored_crawl
from support.listing_server import FEED_URL, LISTED, listing_server

SETTINGS = {"CONCURRENT_REQUESTS_PER_DOMAIN": 1}


def _stored(db) -> set[str]:
    with closing(sqlite3.connect(db)) as conn:
        return {url for (url,) in conn.execute("SELECT url FROM articles") if url in LISTED}


def _stop_half_way(base: str, handler, db, signum: int) -> None:
    """Crawl, and stop the crawl with `signum` once a few of the listed articles are served."""
    process = start_mirrored_crawl("unian", base, db, **SETTINGS)
    deadline = time.monotonic() + 60
    while handler.articles_served() < 6 and time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()[-3000:]
        time.sleep(0.02)
    process.send_signal(signum)
    process.communicate(timeout=60)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_crawl_stopped_half_way_loses_no_listed_article(tmp_path, signum):
    db = tmp_path / "stopped.db"
    with listing_server() as (base, handler):
        _stop_half_way(base, handler, db, signum)
        stored_before = _stored(db)
        assert len(stored_before) < len(LISTED)  # it was stopped half-way
        handler.served.clear()
        result, stats = crawl_mirrored("unian", base, db, **SETTINGS)
        assert result.returncode == 0, result.stderr[-3000:]
        # The listing was unchanged (304), and yet every article it named is stored.
        assert (FEED_URL, 304) in handler.served
        assert _stored(db) == set(LISTED)
        # Those stored before the stop were not fetched again.
        assert not stored_before & {url for url, _ in handler.served}
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM pending").fetchone()[0] == 0


@pytest.mark.slow
def test_a_killed_crawl_is_shown_as_died_not_ok(tmp_path):
    db = tmp_path / "killed.db"
    with listing_server() as (base, handler):
        _stop_half_way(base, handler, db, signal.SIGKILL)
        status = run_newswatch("status", "--db", str(db))
        assert status.returncode == 2, status.stdout
        line = next(x for x in status.stdout.splitlines() if x.startswith("unian"))
        assert "died" in line and "ok" not in line.split(":")[0], status.stdout
        result, _ = crawl_mirrored("unian", base, db, **SETTINGS)
        assert result.returncode == 0, result.stderr[-3000:]
    with closing(sqlite3.connect(db)) as conn:
        states = [s for (s,) in conn.execute("SELECT status FROM crawls ORDER BY id")]
    assert states == ["died", "finished"]  # the next crawl recorded the death


def test_the_daemon_gives_its_killed_crawls_row_the_reason_and_adds_none(tmp_path):
    import subprocess
    import sys

    from newswatch import daemon
    from newswatch.store import open_store
    from newswatch.store.crawls import start_crawl

    db = tmp_path / "d.db"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    store = open_store(db)
    start_crawl(store, "unian", "2026-12-04T10:00:00+00:00", pid=gone.pid)
    store.close()
    daemon._record_failure(str(db), "unian", NOW, "exit -9", gone.pid)
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT outlet, status, finished IS NOT NULL FROM crawls").fetchall()
    assert rows == [("unian", "exit -9", 1)]


def test_a_listings_validators_come_with_its_pending_articles_and_give_up_after_the_tries(
    db_path,
):
    from newswatch.store import forget_pending, open_store, record_listing, take_pending

    store = open_store(db_path)
    validators = {"url": FEED_URL, "etag": '"1"', "last_modified": None, "checked_at": "t"}
    listed = [(LISTED[0], []), (LISTED[1], ["https://x/en"])]
    record_listing(store, "unian", listed, "t", validators)
    assert store.execute("SELECT etag FROM http_validators").fetchall() == [('"1"',)]
    forget_pending(store, [LISTED[0]])  # stored
    for _ in range(3):  # three crawls ask for it again
        again, given_up = take_pending(store, "unian", max_tries=3)
        assert again == [(LISTED[1], ["https://x/en"])] and given_up == []
        assert take_pending(store, "sputnik", max_tries=3) == ([], [])  # not another outlet's
    assert take_pending(store, "unian", max_tries=3) == ([], [LISTED[1]])  # the fourth gives up
    assert store.execute("SELECT count(*) FROM pending").fetchone()[0] == 0
    store.close()
