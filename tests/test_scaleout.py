"""Scale-out end to end, as the issue asks: three crawl workers and the writer over a real
Redis, against the demo's pages of all five outlets and 2,000 generated UNIAN pages, beside a
single-process crawl of the same pages; then workers and the writer killed with SIGKILL
mid-crawl, and Redis going away mid-crawl, each followed by a restart that loses nothing and
stores nothing twice. Every process is the real command in its own process."""

from __future__ import annotations

import importlib.util
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from conftest import REPO, run_newswatch
from support.redis_server import RedisServer
from support.scaleout_processes import (
    enqueue,
    finish,
    start_worker,
    start_writer,
    stop,
    wait_for,
)

from newswatch.fixtures import DEMO_DIR, serve_fixtures
from newswatch.outlets import OUTLETS
from newswatch.scaleout.client import connect

PAGES = 2000
FAST = (
    "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "CONCURRENT_REQUESTS=16",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
)  # fmt: skip


def _bench_generator():
    """bench/replay_throughput.py's page generator (the benchmark's 2,000 pages)."""
    spec = importlib.util.spec_from_file_location(
        "replay_throughput", REPO / "bench" / "replay_throughput.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo's pages and 2,000 generated UNIAN pages served on 127.0.0.1 as one mirror; the
    generated Ukrainian feed lists the demo's items too. Yields (mirror URL, every article URL
    a listing names that holds an article)."""
    folder = tmp_path_factory.mktemp("site") / "generated"
    _bench_generator()(folder, PAGES)
    demo_feed = (DEMO_DIR / "unian" / "feed" / "news_ukr.rss").read_text(encoding="utf-8")
    feed = folder / "unian" / "feed" / "news_ukr.rss"
    items = "".join(re.findall(r"<item>.*?</item>", demo_feed, re.S))
    feed.write_text(feed.read_text().replace("<channel>", "<channel>" + items, 1))
    with serve_fixtures([DEMO_DIR, folder]) as base:
        yield base


def _mirror(base: str) -> tuple[str, ...]:
    return ("-s", f"NEWSWATCH_MIRROR={base}", *FAST)


@pytest.fixture(scope="module")
def single_process_store(site, tmp_path_factory) -> Path:
    """The same pages crawled by `newswatch crawl` in one process: what the workers must match."""
    db = tmp_path_factory.mktemp("single") / "newswatch.db"
    crawl = run_newswatch("crawl", "--db", str(db), *_mirror(site), timeout=600)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    return db


def _seeded(db: Path) -> Path:
    """A new store as every writing command leaves it: the seed documents first."""
    imported = run_newswatch("import", str(REPO / "seeds"), "--db", str(db))
    assert imported.returncode == 0, imported.stderr
    return db


def _groups(rows, column: int) -> set[frozenset[str]]:
    """The partition of article ids by a root column (duplicate_of or story_id; itself when
    null): which articles are copies of one another, or one story, whoever came first."""
    groups: dict[str, set[str]] = {}
    for row in rows:
        groups.setdefault(row[column] or row[0], set()).add(row[0])
    return {frozenset(g) for g in groups.values()}


def _summary(db: Path) -> dict:
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = conn.execute(
            "SELECT id, duplicate_of, story_id, outlet, url, relevance, on_topic FROM articles"
        ).fetchall()
        twice = conn.execute(
            "SELECT canonical_url FROM articles WHERE canonical_url IS NOT NULL "
            "GROUP BY canonical_url HAVING count(*) > 1"
        ).fetchall()
        per_outlet = dict(conn.execute("SELECT outlet, count(*) FROM articles GROUP BY outlet"))
        on_topic = conn.execute("SELECT count(*) FROM articles WHERE on_topic").fetchone()[0]
    assert twice == [], "an article stored twice under two ids"
    generated = {row[0]: row[4] for row in rows if row[4] and "/bench-" in row[4]}
    real = [row for row in rows if row[0] not in generated]
    return {
        "ids": {row[0] for row in rows},
        "judged": {row[0]: (round(row[5] or 0, 9), row[6]) for row in rows},
        "counts": (per_outlet, on_topic),
        # The demo's articles (and the seeds): real, distinct texts, linked the same whatever
        # order they are stored in.
        "real_copies": {g for g in _groups(real, 1) if len(g) > 1},
        "roots": {row[0]: row[1] or row[0] for row in rows},
        "page_ids": {
            int(url.rsplit("-", 1)[1].split(".")[0]) - 20_000_000: i for i, url in generated.items()
        },
    }


def _planted_copies_found(summary: dict) -> int:
    """How many of the generator's copies (every tenth page repeats the text of the page five
    before it) are stored as copies of that page."""
    pages, roots = summary["page_ids"], summary["roots"]
    return sum(
        roots[pages[n]] == roots[pages[n - 5]] for n in pages if n % 10 == 9 and n - 5 in pages
    )


def _drained(redis_url: str) -> None:
    """Nothing left for the writer, nothing taken and not committed, nothing pending."""
    client, keys = connect(redis_url)
    try:
        wait_for(
            lambda: client.llen(keys.articles) == client.llen(keys.processing) == 0,
            "the writer took and committed every message",
            timeout=300,
        )
        assert client.hlen(keys.pending) == 0, "articles listed and never stored"
        assert client.llen(f"{keys.articles}:rejected") == 0
    finally:
        client.close()


def _stored_count(db: Path) -> int:
    try:
        with closing(sqlite3.connect(db, timeout=30)) as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_three_workers_and_the_writer_store_what_one_process_stores(
    site, single_process_store, redis_url, tmp_path
):
    db = _seeded(tmp_path / "scaled.db")
    writer = start_writer(redis_url, db)
    try:
        enqueue(redis_url, *OUTLETS)
        workers = [start_worker(redis_url, *_mirror(site), "--idle-exit", "3") for _ in range(3)]
        for worker in workers:
            code, _, err = finish(worker, timeout=600)
            assert code == 0, err[-3000:]
        _drained(redis_url)
    finally:
        code, out, err = stop(writer)
    assert code == 0, err[-3000:]
    expected, scaled = _summary(single_process_store), _summary(db)
    assert len(expected["ids"]) > PAGES
    assert scaled["ids"] == expected["ids"]
    assert scaled["judged"] == expected["judged"]  # relevance and on_topic, article by article
    assert scaled["counts"] == expected["counts"]
    assert scaled["real_copies"] == expected["real_copies"]
    assert _planted_copies_found(scaled) == _planted_copies_found(expected) == PAGES // 10
    # Not compared: stories, and copies among the generated pages beyond the planted ones. The
    # pages made from one demo article are permutations of its words under its title: one
    # story with it, and borderline near copies of one another. Online linking joins a newcomer
    # to what is stored before it, so a near tie goes one way or the other with the order of
    # arrival, and two one-process crawls of these pages (16 requests at once) differ there
    # too. On distinct articles the stores are identical, stories included:
    # tests/test_redis_worker.py, three workers against the demo.


def test_workers_and_the_writer_killed_mid_crawl_lose_nothing_and_store_nothing_twice(
    site, single_process_store, redis_url, tmp_path
):
    db = _seeded(tmp_path / "killed.db")
    seeds = _stored_count(db)
    writer = start_writer(redis_url, db)
    enqueue(redis_url, "unian")
    workers = [
        start_worker(redis_url, "unian", *_mirror(site), "--idle-exit", "3") for _ in range(3)
    ]
    wait_for(lambda: _stored_count(db) >= seeds + 300, "300 articles stored", timeout=300)
    workers[0].kill()  # SIGKILL: what it took from the shared queue is gone with it
    writer.kill()  # SIGKILL: what it took and had not committed is still in processing
    finish(workers[0]), finish(writer)
    writer = start_writer(redis_url, db)
    try:
        for worker in workers[1:]:
            code, _, err = finish(worker, timeout=600)
            assert code == 0, err[-3000:]
        # The next crawl of the outlet asks again for what the killed worker had taken.
        enqueue(redis_url, "unian")
        code, _, err = finish(
            start_worker(redis_url, "unian", *_mirror(site), "--idle-exit", "3"), timeout=600
        )
        assert code == 0, err[-3000:]
        _drained(redis_url)
    finally:
        code, out, err = stop(writer)
    assert code == 0, err[-3000:]
    expected = {i for i, outlet in _outlets(single_process_store).items() if outlet == "unian"}
    stored = _outlets(db)
    assert {i for i, o in stored.items() if o == "unian"} == expected
    assert _summary(db)["ids"] >= expected  # integrity, no article under two ids


def _outlets(db: Path) -> dict[str, str]:
    with closing(sqlite3.connect(db)) as conn:
        return dict(conn.execute("SELECT id, outlet FROM articles WHERE url IS NOT NULL"))


def test_redis_going_away_mid_crawl_stops_cleanly_and_a_restart_loses_nothing(
    site, single_process_store, tmp_path
):
    server = RedisServer(tmp_path / "redis").start()
    try:
        db = _seeded(tmp_path / "outage.db")
        seeds = _stored_count(db)
        writer = start_writer(server.url, db)
        enqueue(server.url, "unian")
        workers = [
            start_worker(server.url, "unian", *_mirror(site), "--idle-exit", "3") for _ in range(3)
        ]
        wait_for(lambda: _stored_count(db) >= seeds + 200, "200 articles stored", timeout=300)
        server.stop()  # Redis goes away (SIGTERM: its append-only file is complete)
        for process in (*workers, writer):
            code, out, err = finish(process, timeout=120)
            assert code == 1, err[-3000:]
            last = err.strip().splitlines()[-1]
            assert last.startswith("newswatch: ") and "Redis" in last, err[-3000:]
            assert "Traceback" not in err
        server.start()  # back, with what it held
        writer = start_writer(server.url, db)
        try:
            enqueue(server.url, "unian")
            code, _, err = finish(
                start_worker(server.url, "unian", *_mirror(site), "--idle-exit", "3"),
                timeout=600,
            )
            assert code == 0, err[-3000:]
            _drained(server.url)
        finally:
            code, _, err = stop(writer)
        assert code == 0, err[-3000:]
    finally:
        server.stop()
    expected = {i for i, o in _outlets(single_process_store).items() if o == "unian"}
    assert {i for i, o in _outlets(db).items() if o == "unian"} == expected
    _summary(db)
