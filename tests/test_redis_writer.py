"""`newswatch writer`: the one writer of the store for crawl workers sharing Redis, against a
real redis-server, in real subprocesses wherever one is killed. The articles are real: the
demo pages (and pages generated from them as bench/replay_throughput.py does), extracted,
normalised and scored by newswatch's own code, as a worker pushes them."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest
import redis
from conftest import NOW, REPO, run_newswatch
from support.redis_server import RedisServer
from support.worker_articles import seen_times, worker_articles

from newswatch.fixtures import DEMO_DIR
from newswatch.items import Article, article_from_json, article_to_json
from newswatch.pipelines.store import outcome_stats
from newswatch.scaleout.client import RedisFailure
from newswatch.scaleout.queue import ArticleQueue, article_message, crawl_message
from newswatch.scaleout.state import RedisCrawlState
from newswatch.store import open_store
from newswatch.store.batch import write_batch

WORKER = "worker-host:4242"
STARTED, FINISHED = "2026-11-22T11:50:00+00:00", "2026-11-22T12:10:00+00:00"


@pytest.fixture(scope="module")
def demo_articles():
    return worker_articles([DEMO_DIR], NOW)


@pytest.fixture(scope="module")
def generated_articles(tmp_path_factory):
    """300 pages made from UNIAN's demo pages as the replay benchmark makes them (each a text
    of its own, every tenth a copy of an earlier one), extracted."""
    sys.path.insert(0, str(REPO / "bench"))
    from replay_throughput import generate

    folder = tmp_path_factory.mktemp("generated")
    generate(folder, 300)
    return worker_articles([folder], NOW)


def messages(articles, worker=WORKER) -> list[str]:
    """Each article's message, then a crawl report per outlet, as one worker pushes them."""
    pushed = [
        article_message(a, [a.url], seen_at, worker)
        for a, seen_at in zip(articles, seen_times(NOW, len(articles)), strict=True)
    ]
    for outlet in sorted({a.outlet for a in articles}):
        stats = {
            "downloader/request_count": 40,
            "newswatch/extraction/pages": sum(a.outlet == outlet for a in articles),
            "newswatch/store/new": 999,  # a worker stores nothing: the writer's count replaces it
        }
        pushed.append(crawl_message(outlet, worker, STARTED, FINISHED, "finished", stats))
    return pushed


def push(redis_url, texts) -> None:
    queue = ArticleQueue.from_url(redis_url)
    for text in texts:
        queue.push(text)
    queue.close()


def reference(tmp_path, articles) -> list[tuple]:
    """The rows one process storing the same articles in the same order writes."""
    return _reference(tmp_path, articles)[0]


def reference_counts(tmp_path, articles) -> tuple[int, int, int]:
    """What one process storing them counts: (new, duplicate, new on the topic)."""
    counts = _reference(tmp_path, articles)[1]
    return tuple(counts[f"newswatch/store/{k}"] for k in ("new", "duplicate", "new_on_topic"))


def _reference(tmp_path, articles) -> tuple[list[tuple], Counter]:
    path = tmp_path / f"reference-{len(articles)}.db"
    path.unlink(missing_ok=True)
    db = open_store(path)
    batch = [
        (copy(a), seen_at)
        for a, seen_at in zip(articles, seen_times(NOW, len(articles)), strict=True)
    ]
    outcomes = write_batch(db, batch)
    db.close()
    assert set(outcomes) == {"new"}
    counts = Counter()
    for (item, _), outcome in zip(batch, outcomes, strict=True):
        counts.update(outcome_stats(item, outcome))
    return rows(path), counts


def copy(article: Article) -> Article:
    """A copy to store in this process (saving sets its links; the fixture's stay as pushed)."""
    return article_from_json(article_to_json(article))


def rows(db_path: Path) -> list[tuple]:
    with closing(sqlite3.connect(db_path)) as conn:
        return conn.execute(
            "SELECT id, url, first_seen, content_hash, duplicate_of, story_id, on_topic "
            "FROM articles ORDER BY id"
        ).fetchall()


def sql(db_path: Path, query: str) -> list[tuple]:
    with closing(sqlite3.connect(db_path)) as conn:
        return conn.execute(query).fetchall()


def writer_args(redis_url, db, *more) -> list[str]:
    return ["writer", "--redis", redis_url, "--db", str(db), *more]


def start_writer(redis_url, db, *more, env=None) -> subprocess.Popen:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    full_env.update(env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "newswatch.cli", *writer_args(redis_url, db, *more)],
        cwd=REPO,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition, timeout=60.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def read_until(stream, text: str, timeout: float = 60.0) -> list[str]:
    """Lines of `stream` up to the first that contains `text`."""
    lines = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        lines.append(line)
        if text in line:
            return lines
    pytest.fail(f"{text!r} never came: {''.join(lines)[-2000:]}")


def client(redis_url) -> redis.Redis:
    return redis.Redis.from_url(redis_url, decode_responses=True)


def integrity(db_path: Path) -> str:
    return sql(db_path, "PRAGMA integrity_check")[0][0]


# --- the queue -------------------------------------------------------------------------------


def test_the_queue_gives_messages_oldest_first_and_keeps_them_until_acknowledged(redis_url):
    queue = ArticleQueue.from_url(redis_url)
    for n in range(5):
        queue.push(f"m{n}")
    assert queue.take(3, timeout=1) == ["m0", "m1", "m2"]
    assert queue.lengths() == {"queued": 2, "processing": 3, "rejected": 0}
    queue.ack(["m1"])
    assert queue.take(10, timeout=1) == ["m3", "m4"]
    assert queue.take(10, timeout=0.05) == []  # nothing more, after a short wait
    # the writer dies: m0, m2, m3, m4 were taken, never acknowledged; pushed meanwhile: m5
    queue.push("m5")
    assert queue.redeliver() == 4
    assert queue.take(10, timeout=0) == ["m0", "m2", "m3", "m4", "m5"]  # first, in order
    queue.close()


def test_a_queue_without_redis_fails_with_one_clear_error():
    from support.redis_server import free_port

    queue = ArticleQueue.from_url(f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(RedisFailure, match=r"^Redis at redis://127\.0\.0\.1:\d+/0 is unreachable"):
        queue.take(1, timeout=0.1)


# --- storing ---------------------------------------------------------------------------------


def test_the_writer_stores_exactly_the_pushed_articles_as_one_process_would(
    redis_url, tmp_path, demo_articles
):
    db = tmp_path / "w.db"
    state = RedisCrawlState.from_url(redis_url)
    listed = [(a.url, []) for a in demo_articles] + [("https://www.unian.net/x-1.html", [])]
    state.record_listing("unian", listed, "2026-11-22T11:55:00+00:00")  # pending until stored
    push(redis_url, messages(demo_articles))

    result = run_newswatch(*writer_args(redis_url, db, "--idle-exit", "0.5", "--batch", "7"))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "writer: stored 31 new, 0 updated, 0 unchanged; 5 crawl reports; 0 rejected, 0 lost "
        "(6 batches, 0 redelivered)"
    )
    assert rows(db) == reference(tmp_path, demo_articles)  # ids, copies and stories alike
    assert sum(1 for r in rows(db) if r[4]) >= 1  # the demo holds a copy: de-duplicated here
    r = client(redis_url)
    assert r.llen("newswatch:articles") == r.llen("newswatch:articles:processing") == 0
    for article in demo_articles:  # workers now skip them, and ask for them no more
        first_seen = sql(db, f"SELECT first_seen FROM articles WHERE id = '{article.id}'")[0]
        assert state.first_seen(article.url) == first_seen
    assert state.take_pending("unian", 3) == ([("https://www.unian.net/x-1.html", [])], [])
    crawls = sql(db, "SELECT outlet, status, articles_new, requests, host, pid FROM crawls")
    per_outlet = {a.outlet: sum(b.outlet == a.outlet for b in demo_articles) for a in demo_articles}
    assert sorted(crawls) == sorted(
        (o, "finished", n, 40, "worker-host", 4242) for o, n in per_outlet.items()
    )
    crawled = (
        "SELECT sum(articles_new), sum(articles_duplicate), sum(articles_on_topic) FROM crawls"
    )
    assert sql(db, crawled) == [reference_counts(tmp_path, demo_articles)]
    state.close()


def test_an_article_pushed_again_is_unchanged_and_its_report_counts_it_so(
    redis_url, tmp_path, demo_articles
):
    db = tmp_path / "w.db"
    push(redis_url, messages(demo_articles[:5]))
    assert run_newswatch(*writer_args(redis_url, db, "--idle-exit", "0")).returncode == 0
    push(redis_url, messages(demo_articles[:5], worker="other-host:7"))  # a recheck, say
    result = run_newswatch(*writer_args(redis_url, db, "--idle-exit", "0"))
    assert "stored 0 new, 0 updated, 5 unchanged" in result.stdout
    assert sql(db, "SELECT host, sum(articles_new) FROM crawls GROUP BY host ORDER BY host") == [
        ("other-host", 0),
        ("worker-host", 5),
    ]
    assert sql(db, "SELECT count(*) FROM article_versions") == [(0,)]


def test_the_counts_of_a_worker_that_never_reported_expire(redis_url, tmp_path, demo_articles):
    from newswatch.scaleout.writer import COUNTS_TTL_S

    db = tmp_path / "w.db"
    articles = demo_articles[:3]
    push(redis_url, messages(articles)[: len(articles)])  # the articles; the worker died then
    assert run_newswatch(*writer_args(redis_url, db, "--idle-exit", "0")).returncode == 0
    r = client(redis_url)
    keys = r.keys("newswatch:writer:counts:*")  # one per (outlet, worker)
    assert sum(int(r.hget(key, "newswatch/store/new")) for key in keys) == 3
    assert all(COUNTS_TTL_S - 60 < r.ttl(key) <= COUNTS_TTL_S for key in keys)
    push(redis_url, messages(articles)[len(articles) :])  # a report that comes after all
    assert run_newswatch(*writer_args(redis_url, db, "--idle-exit", "0")).returncode == 0
    assert not r.keys("newswatch:writer:counts:*")
    assert sql(db, "SELECT sum(articles_new) FROM crawls") == [(3,)]


def test_malformed_messages_are_rejected_counted_and_never_block_the_queue(
    redis_url, tmp_path, demo_articles
):
    db = tmp_path / "w.db"
    good = messages(demo_articles[:3])[:3]
    wrong_type = json.loads(good[0])
    wrong_type["article"] = {**wrong_type["article"], "id": "00000000000000aa", "title": {"x": 1}}
    not_saved = json.loads(good[1])  # a topic score without on_topic: the saving code fails
    not_saved["article"] = {
        **not_saved["article"],
        "id": "00000000000000bb",
        "url": "https://www.unian.net/politics/not-saved-13999999.html",
        "canonical_url": "https://unian.net/politics/not-saved-13999999.html",
        "article_key": "https://unian.net/politics/not-saved-13999999.html",
        "topics": {"t": {"relevance": 0.5}},
    }
    bad = [
        "not json {",
        "[1, 2]",
        json.dumps({"kind": "article", "seen_at": "2026-11-22T12:00:00+00:00", "worker": "w"}),
        json.dumps({"kind": "teleport"}),
        json.dumps({**json.loads(good[2]), "seen_at": "yesterday"}),
        json.dumps(wrong_type),
    ]
    push(redis_url, [bad[0], good[0], bad[1], bad[2], json.dumps(not_saved), bad[3], good[1]])
    push(redis_url, [bad[4], bad[5], good[2]])

    result = run_newswatch(*writer_args(redis_url, db, "--idle-exit", "0.5"))

    assert result.returncode == 0, result.stderr
    assert "stored 3 new" in result.stdout and "6 rejected, 1 lost" in result.stdout
    assert {r[0] for r in rows(db)} == {a.id for a in demo_articles[:3]}
    r = client(redis_url)
    rejected = [json.loads(e) for e in r.lrange("newswatch:articles:rejected", 0, -1)]
    assert sorted(e["message"] for e in rejected) == sorted([*bad, json.dumps(not_saved)])
    reasons = {e["message"]: e["reason"] for e in rejected}
    assert reasons[bad[0]] == "malformed: not JSON"
    assert reasons[bad[3]] == "malformed: unknown kind 'teleport'"
    assert "title is of the wrong type" in reasons[bad[5]]
    assert reasons[json.dumps(not_saved)].startswith("not stored: KeyError")
    assert r.llen("newswatch:articles:processing") == 0
    assert "rejected a malformed message: not JSON" in result.stderr


def test_the_known_set_is_filled_at_start_from_an_existing_store(
    redis_url, tmp_path, demo_articles
):
    db_path = tmp_path / "w.db"
    db = open_store(db_path)
    write_batch(db, [(copy(a), t) for a, t in zip(demo_articles, seen_times(NOW, 31), strict=True)])
    db.close()
    result = run_newswatch(*writer_args(redis_url, db_path, "--idle-exit", "0", "-v"))
    assert result.returncode == 0, result.stderr
    assert "31 stored articles known" in result.stderr
    state = RedisCrawlState.from_url(redis_url)
    stored = dict(sql(db_path, "SELECT url, first_seen FROM articles"))
    for url, first_seen in stored.items():
        assert state.first_seen(url) == (first_seen,)
    expected = sql(
        db_path,
        "SELECT count(DISTINCT k) FROM (SELECT id AS k FROM articles UNION "
        "SELECT canonical_url FROM articles UNION SELECT article_key FROM articles)",
    )[0][0]
    assert client(redis_url).hlen("newswatch:known") == expected
    state.close()


def test_a_database_refusing_writes_stops_the_writer_and_acknowledges_nothing(
    redis_url, tmp_path, demo_articles, monkeypatch
):
    from newswatch.scaleout import writer as writer_module
    from newswatch.scaleout.writer import StoreFailure, Writer

    db_path = tmp_path / "w.db"
    open_store(db_path).close()

    def full_disk(path):
        db = open_store(path)
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full from now on
        return db

    monkeypatch.setattr(writer_module, "open_store", full_disk)
    push(redis_url, messages(demo_articles[:10]))
    with pytest.raises(StoreFailure, match="cannot write to the database .*full"):
        Writer(db_path, redis_url, batch=4, idle_exit=0).run()
    r = client(redis_url)
    assert r.llen("newswatch:articles:processing") == 4  # taken, not acknowledged
    assert r.hlen("newswatch:known") == 0 and not r.exists("newswatch:writer")
    monkeypatch.undo()

    result = run_newswatch(*writer_args(redis_url, db_path, "--idle-exit", "0"))  # disk freed
    assert result.returncode == 0, result.stderr
    assert "stored 10 new" in result.stdout and "4 redelivered" in result.stdout
    assert {r[0] for r in rows(db_path)} == {a.id for a in demo_articles[:10]}


# --- one writer, killed, stopped -------------------------------------------------------------


def test_a_second_writer_is_refused_and_sigterm_stops_the_first_cleanly(redis_url, tmp_path):
    db = tmp_path / "w.db"
    first = start_writer(redis_url, db, "-v")
    try:
        read_until(first.stderr, "stored articles known")
        second = run_newswatch(*writer_args(redis_url, tmp_path / "other.db", "--idle-exit", "0"))
        assert second.returncode == 75
        assert second.stderr.count("\n") == 1
        assert second.stderr.startswith("newswatch: a writer already runs for Redis at ")
        assert f"prefix 'newswatch' ({socket.gethostname()}:{first.pid})" in second.stderr
        # another prefix is another newsroom: its writer runs
        other = run_newswatch(
            *writer_args(f"{redis_url}?prefix=room2", tmp_path / "o.db", "--idle-exit", "0")
        )
        assert other.returncode == 0, other.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        out, _ = first.communicate(timeout=30)
    assert first.returncode == 0
    assert out.startswith("writer: stored 0 new")
    assert not client(redis_url).exists("newswatch:writer")  # released


def test_sigterm_stores_the_batch_in_hand_then_exits(redis_url, tmp_path, demo_articles):
    db = tmp_path / "w.db"
    writer = start_writer(redis_url, db, "--batch", "1000", "--batch-seconds", "30", "-v")
    read_until(writer.stderr, "stored articles known")
    push(redis_url, messages(demo_articles)[:31])
    r = client(redis_url)
    wait_for(lambda: r.llen("newswatch:articles:processing") == 31, what="the batch taken")
    writer.send_signal(signal.SIGTERM)  # 30 s before the batch would be written
    out, err = writer.communicate(timeout=30)
    assert writer.returncode == 0, err
    assert "stored 31 new" in out
    assert len(rows(db)) == 31 and r.llen("newswatch:articles:processing") == 0


@pytest.mark.parametrize("batch", [10, 100], ids=["articles", "articles-and-reports"])
def test_a_writer_killed_between_commit_and_acknowledgement_loses_and_doubles_nothing(
    redis_url, tmp_path, demo_articles, batch
):
    """The worst moment: the batch is committed, not acknowledged (ACK_DELAY holds it there).
    With a batch of 100, the crawl reports were in it: their rows are not written twice."""
    db = tmp_path / "w.db"
    pushed = messages(demo_articles)
    push(redis_url, pushed)
    writer = start_writer(
        redis_url, db, "--batch", str(batch), "-v", env={"NEWSWATCH_WRITER_ACK_DELAY": "60"}
    )
    taken = min(batch, len(pushed))
    read_until(writer.stderr, f"committed {taken} messages")
    writer.kill()
    writer.wait(timeout=10)
    r = client(redis_url)
    assert len(rows(db)) == min(batch, 31) and r.llen("newswatch:articles:processing") == taken
    assert r.exists("newswatch:writer")  # the dead writer's lock, until it expires

    result = run_newswatch(*writer_args(redis_url, db, "--idle-exit", "0.5"))

    assert result.returncode == 0, result.stderr  # the dead writer's lock was taken over
    # those the dead writer committed count as new: it never got to say so
    assert "stored 31 new, 0 updated, 0 unchanged; 5 crawl reports" in result.stdout
    assert f"{taken} redelivered" in result.stdout
    assert rows(db) == reference(tmp_path, demo_articles)  # copies and stories as if never killed
    assert integrity(db) == "ok"
    crawled = (
        "SELECT sum(articles_new), sum(articles_duplicate), sum(articles_on_topic) FROM crawls"
    )
    assert sql(db, crawled) == [reference_counts(tmp_path, demo_articles)]  # counted once
    assert sql(db, "SELECT count(*) FROM crawls") == [(5,)]
    assert sql(db, "SELECT count(*) FROM article_versions") == [(0,)]


def test_a_writer_killed_mid_run_over_a_large_queue_loses_and_doubles_nothing(
    redis_url, tmp_path, generated_articles
):
    db = tmp_path / "w.db"
    pushed = messages(generated_articles)
    push(redis_url, pushed)
    writer = start_writer(redis_url, db, "--batch", "20", "-v")
    read_until(writer.stderr, "batch of 20")
    read_until(writer.stderr, "batch of 20")
    writer.kill()  # somewhere in the third batch or later
    writer.wait(timeout=10)
    before = len(rows(db))
    assert 40 <= before < len(generated_articles)

    result = run_newswatch(*writer_args(redis_url, db, "--idle-exit", "0.5", "--batch", "50"))

    assert result.returncode == 0, result.stderr
    assert integrity(db) == "ok"
    assert {r[0] for r in rows(db)} == {a.id for a in generated_articles}  # every page
    assert rows(db) == reference(tmp_path, generated_articles)
    crawled = (
        "SELECT sum(articles_new), sum(articles_duplicate), sum(articles_on_topic) FROM crawls"
    )
    assert sql(db, crawled) == [reference_counts(tmp_path, generated_articles)]
    r = client(redis_url)
    assert r.llen("newswatch:articles") + r.llen("newswatch:articles:processing") == 0
    assert r.llen("newswatch:articles:rejected") == 0


def test_redis_going_away_stops_the_writer_with_one_line_and_the_rest_comes_later(
    tmp_path, demo_articles
):
    server = RedisServer(tmp_path / "redis").start()
    db = tmp_path / "w.db"
    try:
        push(server.url, messages(demo_articles))
        writer = start_writer(
            server.url, db, "--batch", "5", env={"NEWSWATCH_WRITER_ACK_DELAY": "1"}
        )
        wait_for(lambda: db.exists() and _count(db) >= 5, what="a first batch stored")
        server.stop()
        out, err = writer.communicate(timeout=60)
        assert writer.returncode == 1
        assert err.count("\n") == 1, err
        assert err.startswith(
            f"newswatch: Redis at redis://127.0.0.1:{server.port}/0 is unreachable: "
        )
        assert out.startswith("writer: stored ")
        assert integrity(db) == "ok"
        stored = _count(db)
        assert 5 <= stored < 31

        server = RedisServer(tmp_path / "redis", port=server.port).start()  # Redis is back
        result = run_newswatch(*writer_args(server.url, db, "--idle-exit", "0.5"))
        assert result.returncode == 0, result.stderr
        assert rows(db) == reference(tmp_path, demo_articles)
        assert sql(db, "SELECT sum(articles_new) FROM crawls") == [(31,)]
    finally:
        server.stop()


def _count(db: Path) -> int:
    try:
        return sql(db, "SELECT count(*) FROM articles")[0][0]
    except sqlite3.Error:  # not created yet
        return 0


def test_the_redis_url_comes_from_newswatch_redis_and_is_required(redis_url, tmp_path):
    db = tmp_path / "w.db"
    result = run_newswatch("writer", "--db", str(db), "--idle-exit", "0")
    assert result.returncode == 2
    assert result.stderr == "newswatch: no Redis: give --redis URL or set NEWSWATCH_REDIS\n"
    push(redis_url, ["not json"])
    result = run_newswatch(
        "writer", "--db", str(db), "--idle-exit", "0", env={"NEWSWATCH_REDIS": redis_url}
    )
    assert result.returncode == 0, result.stderr
    assert "1 rejected" in result.stdout
