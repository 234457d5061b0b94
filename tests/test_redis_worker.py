"""Crawl workers on a real Redis (`newswatch worker`, newswatch.scaleout): jobs, the shared
queue and duplicate filter, the known-article check, pending articles, crawl reports, idle exit,
a stop, Redis going away, and the daemon queueing jobs. Every worker runs in its own process,
as a user starts it, with NEWSWATCH_DB pointing at a file that must never be created."""

from __future__ import annotations

import itertools
import json
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
import redis
from conftest import REPO, run_newswatch
from scrapy import Request, Spider
from scrapy.utils.request import RequestFingerprinter, request_from_dict
from support.process_output import wait_for_line
from support.redis_server import RedisServer
from support.scaleout_processes import (
    crawl_reports,
    enqueue,
    finish,
    pushed_articles,
    queued_messages,
    start_worker,
    start_writer,
    stop,
    wait_for,
)

from newswatch.fixtures import (
    DEMO_DIR,
    fixture_server,
    load_fixtures,
    serve_fixtures,
    server_url,
)
from newswatch.keys import article_id
from newswatch.runner import project_settings
from newswatch.scaleout import serializer
from newswatch.scaleout.client import connect
from newswatch.scaleout.dupefilter import WindowedDupeFilter
from newswatch.scaleout.jobs import take_jobs
from newswatch.scaleout.keys import RedisKeys
from newswatch.scaleout.state import RedisCrawlState
from newswatch.scaleout.worker import SHARED_PACE_HANDLER, worker_settings

IDLE = ("--idle-exit", "1")


def _demo_article_urls(outlet: str) -> list[str]:
    return sorted(
        url
        for url, fixture in load_fixtures([DEMO_DIR / outlet]).items()
        if fixture.page_kind == "article" and fixture.status == 200
    )


def _ids(messages: list[dict]) -> list[str]:
    return sorted(m["article"]["id"] for m in messages)


def _client(redis_url: str):
    return connect(redis_url)


@pytest.fixture
def no_db(tmp_path) -> Path:
    """Where the workers' NEWSWATCH_DB points: nothing may ever be created there."""
    path = tmp_path / "never" / "newswatch.db"
    yield path
    assert not path.parent.exists(), "a worker touched the SQLite store"


# --- settings, serializer, duplicate filter (in this process) ---------------------------------


def test_worker_settings_share_redis_and_never_store():
    settings = project_settings({"NEWSWATCH_CAPTURE_KEEP": 7})
    settings.set("ITEM_PIPELINES", {"x.Y": 1}, priority="project")  # replaced
    settings.set("DOWNLOAD_DELAY", 3, priority="cmdline")  # a -s of the user: kept
    worker = worker_settings(settings, "redis://127.0.0.1:6390/3?prefix=room")
    assert worker["NEWSWATCH_WORKER_REDIS"] == "redis://127.0.0.1:6390/3?prefix=room"
    assert worker["REDIS_URL"] == "redis://127.0.0.1:6390/3"  # redis-py refuses ?prefix
    assert worker["SCHEDULER_QUEUE_KEY"] % {"spider": "unian"} == "room:unian:requests"
    assert worker["SCHEDULER"] == "newswatch.scaleout.scheduler.RedisScheduler"
    assert worker["DUPEFILTER_CLASS"] == "newswatch.scaleout.dupefilter.WindowedDupeFilter"
    handlers = worker.getwithbase("DOWNLOAD_HANDLERS")
    assert handlers["https"] == handlers["http"] == SHARED_PACE_HANDLER
    assert worker.getbool("SCHEDULER_PERSIST")
    pipelines = worker.getdict("ITEM_PIPELINES")
    assert sorted(pipelines, key=pipelines.get) == [
        "newswatch.pipelines.NormalisePipeline",
        "newswatch.pipelines.TopicPipeline",
        "newswatch.pipelines.push.PushPipeline",
    ]
    extensions = worker.getdict("EXTENSIONS")
    assert extensions["newswatch.outlet_lock.OutletLock"] is None
    assert extensions["newswatch.extensions.CrawlRecorder"] is None
    assert extensions["newswatch.extensions.LostItems"] == 20  # the rest stays
    assert worker.getfloat("DOWNLOAD_DELAY") == 3 and worker.getint("NEWSWATCH_CAPTURE_KEEP") == 7
    assert settings["SCHEDULER"] != worker["SCHEDULER"]  # the project's settings untouched


class _Spider(Spider):
    name = "unian"

    def parse_article(self, response):
        return []


def test_queued_requests_are_json_and_come_back_whole():
    spider = _Spider()
    request = Request(
        "https://www.unian.ua/politics/x-1.html",
        callback=spider.parse_article,
        method="POST",
        body=b"\x00\xffbinary",
        headers={"If-None-Match": b'"abc"'},
        meta={"page_kind": "article", "alternates": ["https://a", "https://b"], "n": {"k": 1}},
        dont_filter=True,
        priority=-3,
    )
    data = serializer.dumps(request.to_dict(spider=spider))
    json.loads(data)  # JSON, not pickle: nothing in the queue runs code in a worker
    again = request_from_dict(serializer.loads(data), spider=spider)
    assert (again.url, again.method, again.body, again.priority) == (
        request.url,
        "POST",
        b"\x00\xffbinary",
        -3,
    )
    assert again.headers.get("If-None-Match") == b'"abc"'
    assert again.meta == request.meta and again.dont_filter
    assert again.callback == spider.parse_article
    with pytest.raises(TypeError, match="cannot carry"):
        serializer.dumps(Request("https://x", meta={"when": object()}).to_dict())


def test_the_duplicate_filter_forgets_after_two_windows_and_its_sets_expire(redis_url):
    client, keys = redis.Redis.from_url(redis_url), RedisKeys()  # as scrapy-redis's: bytes
    now = [1_800_000_000.0]  # a window of 1 h starts here (1.8e9 is a multiple of 3600)
    fingerprint = RequestFingerprinter().fingerprint
    seen = WindowedDupeFilter(client, keys, "unian", 3600, fingerprint, clock=lambda: now[0])
    page = Request("https://www.unian.ua/politics/x-1.html")
    assert not seen.request_seen(page)
    assert seen.request_seen(page)  # the same window
    assert seen.request_seen(Request("https://www.unian.ua/politics/x-1.html#comments"))
    window = seen.window()
    stored = client.smembers(keys.seen("unian", window))
    assert stored == {fingerprint(page)}  # 20 raw bytes, not 40 hex
    expires = client.pexpiretime(keys.seen("unian", window))
    assert expires == (1_800_000_000 + 2 * 3600) * 1000  # the end of the next window
    now[0] += 3600  # the next window: still a duplicate (found in the previous one)
    assert seen.request_seen(page)
    assert not client.exists(keys.seen("unian", window + 1))  # not copied forward
    now[0] += 3600  # two windows on: forgotten, fetched again
    assert not seen.request_seen(page)
    assert seen.request_seen(page)
    assert seen.fingerprints_seen([b"a" * 20, fingerprint(page), b"a" * 20]) == [
        False,
        True,
        True,
    ]
    # Real expiry: with windows of one second, a set is gone two seconds after its window.
    short = WindowedDupeFilter(client, keys, "rbc", 1, fingerprint)
    assert not short.request_seen(page)
    key = keys.seen("rbc", short.window())
    assert 0 < client.pttl(key) <= 2000
    wait_for(lambda: not client.exists(key), "the window's set expired", timeout=5)
    assert client.exists(keys.seen("unian", window + 2))  # others untouched
    seen.close()  # a worker that stops leaves the shared sets alone
    assert client.exists(keys.seen("unian", window + 2))


def test_a_job_is_taken_by_one_taker_only(redis_url):
    enqueue(redis_url, "unian", "unian", "rbc")
    client, keys = _client(redis_url)
    first, second = take_jobs(client, keys, "unian"), take_jobs(client, keys, "unian")
    assert len(first) == 2 and second == []  # waiting jobs are coalesced into one crawl
    assert first[0]["scheduled_at"] <= first[1]["scheduled_at"]
    assert [j["outlet"] for j in take_jobs(client, keys, "rbc")] == ["rbc"]


# --- workers ----------------------------------------------------------------------------------


def test_two_workers_share_one_job_and_crawl_each_page_once(redis_url, no_db):
    enqueue(redis_url, "unian")
    workers = [start_worker(redis_url, "unian", "--replay", DEMO_DIR, *IDLE, db=no_db)]
    workers.append(start_worker(redis_url, "unian", "--replay", DEMO_DIR, *IDLE, db=no_db))
    for worker in workers:
        code, out, err = finish(worker)
        assert code == 0, err
        assert out.startswith("unian        idle")
    articles = pushed_articles(redis_url)
    assert _ids(articles) == sorted(article_id(u) for u in _demo_article_urls("unian"))
    message = articles[0]
    assert message["urls"] and message["article"]["url"] in message["urls"]
    assert message["worker"].rsplit(":", 1)[1].isdigit() and message["seen_at"].endswith("+00:00")
    assert message["article"]["relevance"] is not None  # scored by the worker
    reports = crawl_reports(redis_url)
    assert sum(r["stats"].get("newswatch/worker/jobs", 0) for r in reports) == 1
    taker = [r for r in reports if r["stats"].get("newswatch/worker/jobs")]
    assert len(taker) == 1 and len(taker[0]["stats"]["newswatch/worker/job_ids"]) == 32
    pushed = sum(r["stats"].get("newswatch/push/articles", 0) for r in reports)
    assert pushed == len(articles)  # every article is in one report, once
    report = taker[0]
    assert report["outlet"] == "unian" and report["finish_reason"] == "finished"
    assert report["started"] <= report["finished"]
    assert report["stats"]["downloader/request_count"] >= 2  # the feed and robots.txt at least
    client, keys = _client(redis_url)
    assert client.zcard(keys.requests("unian")) == 0
    assert client.llen(keys.jobs("unian")) == 0


def test_a_job_queues_the_listings_again_and_the_pending_articles(redis_url, no_db):
    urls = _demo_article_urls("unian")
    enqueue(redis_url, "unian")
    code, _, err = finish(start_worker(redis_url, "unian", "--replay", DEMO_DIR, *IDLE, db=no_db))
    assert code == 0, err
    client, keys = _client(redis_url)
    assert client.hlen(keys.pending) == len(urls)  # listed, pushed, not stored yet
    assert client.hlen(keys.validators) >= 1  # the feed's ETag
    # The writer stored all but one; that one is still pending.
    client.delete(keys.articles)
    state = RedisCrawlState.from_url(redis_url)
    state.forget_pending(urls[1:])
    enqueue(redis_url, "unian")
    code, _, err = finish(start_worker(redis_url, "unian", "--replay", DEMO_DIR, *IDLE, db=no_db))
    assert code == 0, err
    # The feed was requested again (with its ETag: unchanged, 304) and the pending article
    # too, though the shared duplicate filter has seen it: pending requests are dont_filter.
    assert _ids(pushed_articles(redis_url)) == [article_id(urls[0])]
    (report,) = crawl_reports(redis_url)
    assert report["stats"]["newswatch/pending/requested"] == 1
    assert report["stats"]["newswatch/conditional/not_modified"] >= 1
    assert int(client.hget(keys.pending_tries, urls[0])) == 1  # the try is counted


def test_articles_the_store_holds_are_not_fetched(redis_url, no_db):
    urls = _demo_article_urls("pravda")
    client, keys = _client(redis_url)
    known = urls[:3]
    client.hset(keys.known, mapping={article_id(u): "2026-11-01T00:00:00+00:00" for u in known})
    enqueue(redis_url, "pravda")
    code, out, err = finish(
        start_worker(redis_url, "pravda", "--replay", DEMO_DIR, *IDLE, db=no_db)
    )
    assert code == 0, err
    assert "3 already stored" in out
    assert _ids(pushed_articles(redis_url)) == sorted(article_id(u) for u in urls[3:])
    (report,) = crawl_reports(redis_url)
    assert report["stats"]["newswatch/skipped/known"] == 3
    assert report["stats"]["newswatch/extraction/pages"] == len(urls) - 3


def test_idle_exit_closes_a_worker_with_no_job(redis_url, no_db):
    started = time.monotonic()
    code, out, err = finish(
        start_worker(redis_url, "rbc", "sputnik", "--idle-exit", "0.5", db=no_db)
    )
    assert code == 0, err
    assert [line.split()[:2] for line in out.splitlines()] == [["rbc", "idle"], ["sputnik", "idle"]]
    assert time.monotonic() - started < 30
    assert queued_messages(redis_url) == []  # nothing done: no report


def test_without_idle_exit_a_worker_waits_for_jobs_and_sigterm_stops_it(redis_url, no_db):
    worker = start_worker(redis_url, "moscowtimes", "--replay", DEMO_DIR, db=no_db)
    time.sleep(3)  # started and idle: still there
    assert worker.poll() is None
    enqueue(redis_url, "moscowtimes")  # taken by the running worker
    wait_for(lambda: crawl_reports(redis_url), "the crawl of the job reported")
    code, out, err = stop(worker)
    assert code == 0, err
    assert out.startswith("moscowtimes  shutdown    1 jobs")
    assert len(pushed_articles(redis_url)) == len(_demo_article_urls("moscowtimes"))


def test_a_host_s_moments_are_reserved_one_delay_apart_whoever_asks(redis_url):
    from newswatch.scaleout.pace import SharedPace

    workers = [SharedPace(*connect(redis_url)) for _ in range(3)]  # three clients, one Redis
    waits = [pace.reserve("www.unian.ua", 2.0) for pace in workers for _ in range(2)]
    # 0, 2, 4, 6, 8, 10 s less the few ms the calls took: every worker queues behind the others
    assert [round(w) for w in waits] == [0, 2, 4, 6, 8, 10]
    assert workers[0].reserve("www.pravda.com.ua", 2.0) == 0  # another host: its own pace
    assert workers[0].reserve("www.unian.ua", 0) == 0  # no delay, no reservation
    client, keys = _client(redis_url)
    assert 10_000 < client.pttl(keys.pace("www.unian.ua")) <= 72_000  # expires once unused
    assert not client.exists(keys.pace("rss.unian.net"))


def _paced_mirror(served: list[tuple[str, str, float]]):
    """The demo's pages over HTTP, each answer noted (host, path, arrival time)."""
    index = load_fixtures([DEMO_DIR])
    server = fixture_server(index)

    class Noting(server.RequestHandlerClass):
        def do_GET(self):  # noqa: N802
            host = self.path.split("/")[1]
            served.append((host, self.path, time.monotonic()))
            super().do_GET()

    server.RequestHandlerClass = Noting
    return server


def test_two_workers_keep_one_pace_per_site_between_them(redis_url, no_db):
    """Two workers of one outlet ask each host no more often than one crawl with the same
    DOWNLOAD_DELAY would: each request at least about the delay after the last, whichever
    worker sent it (each worker's own slot alone would let them come in pairs)."""
    import threading

    served: list[tuple[str, str, float]] = []
    server = _paced_mirror(served)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        delay = 1.0
        settings = (
            "-s", f"NEWSWATCH_MIRROR={server_url(server)}",
            "-s", f"DOWNLOAD_DELAY={delay}",
            "-s", "RANDOMIZE_DOWNLOAD_DELAY=False",
            "-s", "AUTOTHROTTLE_ENABLED=False",
            # One request at a time each, so that both take from the shared queue (an idle
            # worker looks at it on the engine's heartbeat, every 5 s, hence the long wait).
            "-s", "CONCURRENT_REQUESTS=1",
            "--idle-exit", "7",
        )  # fmt: skip
        enqueue(redis_url, "unian")
        workers = [start_worker(redis_url, "unian", *settings, db=no_db) for _ in "ab"]
        for worker in workers:
            code, out, err = finish(worker)
            assert code == 0, err
    finally:
        server.shutdown()
        server.server_close()
    reports = crawl_reports(redis_url)
    sent = [r["stats"].get("downloader/request_count", 0) for r in reports]
    assert len([n for n in sent if n]) == 2, sent  # both workers fetched pages of the site
    assert sum(r["stats"].get("newswatch/pace/waited", 0) for r in reports) > 0
    hosts = {host for host, _, _ in served}
    assert {"rss.unian.net", "www.unian.ua"} <= hosts
    for host in hosts:
        times = [t for h, _, t in served if h == host]
        gaps = [b - a for a, b in itertools.pairwise(times)]
        # Spread about as one paced crawl spreads them (a request may arrive a little late
        # after its moment, on a loaded machine); unpaced, the two workers' requests came in
        # pairs 0.37 s apart, spread over half that time.
        assert times[-1] - times[0] >= 0.8 * (len(times) - 1) * delay, (host, gaps)
        assert min(gaps, default=delay) >= delay / 4, (host, gaps)


@pytest.fixture
def slow_mirror():
    """The demo's pages over HTTP, for crawls that take seconds (DOWNLOAD_DELAY applies to
    real downloads, not to replayed ones)."""
    with serve_fixtures([DEMO_DIR]) as base:
        yield (
            "-s",
            f"NEWSWATCH_MIRROR={base}",
            "-s",
            "DOWNLOAD_DELAY=1",
            "-s",
            "RANDOMIZE_DOWNLOAD_DELAY=False",
            "-s",
            "AUTOTHROTTLE_ENABLED=False",
        )


def test_a_stopped_worker_leaves_its_queue_to_the_others(redis_url, no_db, slow_mirror):
    outlets = ("unian", "pravda")
    enqueue(redis_url, *outlets)
    # One request at a time: the others wait in the shared queue, not in this worker.
    one_by_one = ("-s", "CONCURRENT_REQUESTS=1")
    worker = start_worker(redis_url, *outlets, *slow_mirror, *one_by_one, db=no_db)
    wait_for(lambda: pushed_articles(redis_url), "a first article pushed")
    code, out, err = stop(worker)
    assert code == 0, err
    assert "shutdown" in out
    client, keys = _client(redis_url)
    left = sum(client.zcard(keys.requests(o)) for o in outlets)
    assert left > 0  # still queued, for another worker
    code, _, err = finish(start_worker(redis_url, *outlets, "--replay", DEMO_DIR, *IDLE, db=no_db))
    assert code == 0, err
    expected = sorted(article_id(u) for o in outlets for u in _demo_article_urls(o))
    assert sorted(set(_ids(pushed_articles(redis_url)))) == expected


def test_redis_going_away_stops_a_worker_in_one_line_and_loses_nothing(
    tmp_path, no_db, slow_mirror
):
    server = RedisServer(tmp_path / "redis").start()
    url = server.url
    outlets = ("rbc", "sputnik", "moscowtimes")
    try:
        enqueue(url, *outlets)
        worker = start_worker(url, *outlets, *slow_mirror, db=no_db)
        before = wait_for(lambda: pushed_articles(url), "a first article pushed")
        server.stop()  # mid-crawl: pages are still being fetched
        code, out, err = finish(worker, timeout=60)
        assert code == 1
        assert err.splitlines() == [err.strip()]  # one line, no traceback
        assert err.startswith(f"newswatch: Redis at {url} went away (")
        assert "start the worker again once Redis is back" in err
        # Redis back (its append-only file): what was listed is pending, and a new crawl
        # fetches what the stopped one did not push.
        server = RedisServer(tmp_path / "redis", port=server.port).start()
        pushed = {m["article"]["id"] for m in pushed_articles(url)}
        assert pushed >= {m["article"]["id"] for m in before}
        enqueue(url, *outlets)
        code, _, err = finish(start_worker(url, *outlets, "--replay", DEMO_DIR, *IDLE, db=no_db))
        assert code == 0, err
        expected = {article_id(u) for o in outlets for u in _demo_article_urls(o)}
        assert {m["article"]["id"] for m in pushed_articles(url)} == expected
    finally:
        server.stop()


def test_a_worker_refuses_a_redis_it_cannot_reach_in_one_line(tmp_path, no_db):
    from support.redis_server import free_port

    code, out, err = finish(start_worker(f"redis://127.0.0.1:{free_port()}/0", *IDLE, db=no_db))
    assert code == 1 and out == ""
    assert err.startswith("newswatch: Redis at redis://127.0.0.1:") and "unreachable" in err
    assert len(err.splitlines()) == 1


# --- the daemon -------------------------------------------------------------------------------


def _schedule(tmp_path: Path) -> Path:
    config = tmp_path / "schedule.toml"
    config.write_text(
        (REPO / "newswatch" / "schedule.toml")
        .read_text()
        .replace('jobs_db = "data/jobs.db"', f'jobs_db = "{tmp_path / "jobs.db"}"')
    )
    return config


def _daemon(tmp_path: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    import os

    environment = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    environment.update(env or {})
    return subprocess.Popen(
        [sys.executable, "scheduler.py", "--config", str(_schedule(tmp_path)), *args],
        cwd=REPO,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_daemon_with_redis_queues_a_job_per_outlet_and_crawls_nothing(redis_url, tmp_path):
    db = tmp_path / "store" / "d.db"
    daemon = _daemon(tmp_path, "--once", "--db", str(db), env={"NEWSWATCH_REDIS": redis_url})
    code, _, err = finish(daemon)
    assert code == 0, err
    client, keys = _client(redis_url)
    for outlet in ("sputnik", "rbc", "unian", "pravda", "moscowtimes"):
        (job,) = take_jobs(client, keys, outlet)
        assert job["outlet"] == outlet and job["id"] and job["scheduled_at"]
    assert not db.parent.exists()  # no crawl ran here, and the store was not needed
    assert "backfill crawls are not scheduled" in err


def test_the_daemon_with_redis_schedules_the_feeds_jobs_only(redis_url, tmp_path):
    db = str(tmp_path / "d.db")
    plain = _daemon(tmp_path, "--db", db, "--no-capture")  # an earlier run without Redis
    wait_for_line(plain, "daemon started: 10 jobs")  # its backfill jobs stored
    finish_code, _, err = stop(plain)
    assert finish_code == 0, err
    queued = _daemon(tmp_path, "--db", db, "--redis", redis_url)
    wait_for_line(queued, "daemon started: 5 jobs")
    code, _, err = stop(queued)
    assert code == 0, err
    with closing(sqlite3.connect(tmp_path / "jobs.db")) as conn:
        ids = sorted(r[0] for r in conn.execute("SELECT id FROM apscheduler_jobs"))
    assert ids == sorted(f"{o}-feeds" for o in ("moscowtimes", "pravda", "rbc", "sputnik", "unian"))


def test_the_daemon_logs_a_job_redis_could_not_take_and_goes_on(caplog):
    from support.redis_server import free_port

    from newswatch import daemon

    assert daemon.queue_crawl("unian", f"redis://127.0.0.1:{free_port()}/0") is None
    assert "crawl unian not queued: Redis at redis://127.0.0.1:" in caplog.text


def test_the_prefix_in_the_url_keeps_newsrooms_apart(redis_url):
    enqueue(f"{redis_url}?prefix=other", "unian")
    client = redis.Redis.from_url(redis_url)
    assert client.llen(RedisKeys("other").jobs("unian")) == 1
    assert client.llen(RedisKeys().jobs("unian")) == 0


# --- end to end: workers and the writer ---------------------------------------------------------


def _store(db: Path) -> tuple[list[tuple], list[tuple]]:
    """What a store holds that does not depend on when it was written: the articles with their
    copies and stories, and the stories."""
    with closing(sqlite3.connect(db)) as conn:
        articles = conn.execute(
            "SELECT id, url, canonical_url, outlet, title, text, published, on_topic, relevance,"
            " duplicate_of, story_id FROM articles ORDER BY id"
        ).fetchall()
        stories = conn.execute(
            "SELECT story_id, articles, duplicates FROM stories ORDER BY story_id"
        ).fetchall()
    return articles, stories


def test_three_workers_and_the_writer_store_what_the_demo_stores(
    redis_url, tmp_path, no_db, demo_store
):
    db = tmp_path / "scaled" / "newswatch.db"
    seeded = run_newswatch("import", str(REPO / "seeds"), "--db", str(db))  # as a new store is
    assert seeded.returncode == 0, seeded.stderr
    writer = start_writer(redis_url, db)
    try:
        enqueue(redis_url, "sputnik", "rbc", "unian", "pravda", "moscowtimes")
        workers = [
            start_worker(redis_url, "--replay", DEMO_DIR, "--idle-exit", "2", db=no_db)
            for _ in range(3)
        ]
        for worker in workers:
            code, _, err = finish(worker)
            assert code == 0, err
        client, keys = _client(redis_url)
        wait_for(
            lambda: client.llen(keys.articles) == client.llen(keys.processing) == 0,
            "the writer took and committed every message",
        )
    finally:
        code, out, err = stop(writer)
    assert code == 0, err
    assert "0 rejected, 0 lost" in out
    assert _store(db) == _store(demo_store)
    with closing(sqlite3.connect(db)) as conn:
        crawled = conn.execute("SELECT sum(articles_new) FROM crawls").fetchone()[0]
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert crawled == 31  # every crawled article counted once, in its worker's crawl report
    assert client.hlen(keys.pending) == 0  # all stored: nothing left to request again
