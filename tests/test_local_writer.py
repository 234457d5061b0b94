"""`crawl --writer process`: the store's writer in a process of its own (newswatch.scaleout.local,
ProcessStorePipeline). It stores exactly what the crawl's own process stores (the same rows,
links and counts), passes an article on only once it is committed, and loses nothing when
either process is killed."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from conftest import NOW, REPO, run_newswatch
from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newswatch.extraction import extract_article
from newswatch.fixtures import DEMO_DIR, load_fixtures, serve_fixtures
from newswatch.items import Article
from newswatch.pipelines.normalise import normalise_article
from newswatch.pipelines.process_store import ProcessStorePipeline
from newswatch.pipelines.store import WRITERS, StorePipeline
from newswatch.scaleout.local import (
    LocalWriter,
    WriterFault,
    WriterGone,
    outcome_from_message,
    outcome_message,
)
from newswatch.store import open_store
from newswatch.store.batch import write_batch
from newswatch.topic import judge_article, load_topics

sys.path.insert(0, str(REPO / "bench"))
import replay_throughput  # noqa: E402  bench/replay_throughput.py: its generated pages

SEEN = "2026-11-22T12:00:00+00:00"
GENERATED_PAGES = 400


def _articles(n: int, title: str = "Переговори", start: int = 0) -> list[Article]:
    out = []
    for i in range(start, start + n):
        article = Article(
            url=f"https://www.unian.ua/politics/writer-{13600000 + i}.html",
            title=f"{title} {i}",
            text=f"Текст номер {i} про зустріч у Женеві, вона тривала {i + 2} години.",
            published="2026-11-21T10:00:00+02:00",
        )
        normalise_article(article, NOW)
        out.append(article)
    return out


def _copy_of(article: Article, n: int) -> Article:
    copy = Article(
        url=f"https://www.unian.ua/politics/copy-{13700000 + n}.html",
        title=article.title,
        text=article.text,
        published="2026-11-21T11:00:00+02:00",
    )
    normalise_article(copy, NOW)
    return copy


def _write_in_a_child(db_path, *batches, on_gone=None) -> tuple[list, LocalWriter]:
    async def run():
        writer = LocalWriter(db_path, on_gone=on_gone)
        await writer.start()
        outcomes = [await writer.send([(a, SEEN) for a in batch]) for batch in batches]
        await writer.close()
        return outcomes, writer

    return asyncio.run(run())


def _gone(pid: int) -> bool:
    """Whether process `pid` has exited (reaped, or a zombie waiting for init to reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] == "Z"
    except FileNotFoundError:
        return True


def _wait_gone(pid: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not _gone(pid):
        assert time.monotonic() < deadline, f"process {pid} is still running"
        time.sleep(0.02)


# --- the writer process on its own ------------------------------------------------------------


def _original_copy_other() -> list[Article]:
    original, other = _articles(2)
    return [original, _copy_of(original, 1), other]


def test_the_child_stores_a_batch_as_write_batch_does_and_sends_back_what_saving_set(tmp_path):
    sent, inline = _original_copy_other(), _original_copy_other()
    (outcomes, again), writer = _write_in_a_child(tmp_path / "child.db", sent, sent)
    db = open_store(tmp_path / "inline.db")
    assert outcomes == write_batch(db, [(a, SEEN) for a in inline]) == ["new"] * 3
    assert again == ["unchanged"] * 3  # idempotent by id: a batch sent twice changes nothing
    original, copy, _ = sent
    assert copy.duplicate_of == original.id and copy.story_id == original.story_id
    assert all(a.content_hash for a in sent)
    for mine, theirs in zip(sent, inline, strict=True):
        assert vars(mine) == vars(theirs)  # every field, those saving set included
    assert writer.process.returncode == 0 and writer.cpu_seconds > 0
    with pytest.raises(ChildProcessError):  # reaped: no zombie
        os.waitpid(writer.pid, os.WNOHANG)


def test_errors_travel_as_the_pipeline_tells_them_apart():
    refused = outcome_from_message(outcome_message(sqlite3.IntegrityError("refused")))
    assert type(refused) is sqlite3.IntegrityError and str(refused) == "refused"
    full = outcome_from_message(outcome_message(sqlite3.OperationalError("disk is full")))
    assert isinstance(full, sqlite3.OperationalError)
    assert type(outcome_from_message(outcome_message(MemoryError("x")))) is MemoryError

    class OwnError(Exception):
        def __init__(self, a, b):
            super().__init__(f"{a} and {b}")

    own = outcome_from_message(outcome_message(OwnError(1, 2)))
    assert type(own) is WriterFault and str(own) == "OwnError: 1 and 2"
    assert not isinstance(own, sqlite3.Error)  # counted lost, the crawl goes on
    assert outcome_from_message(outcome_message("updated")) == "updated"


def test_an_article_the_child_refuses_comes_back_as_the_same_error_write_batch_gives(tmp_path):
    db_path = tmp_path / "r.db"
    db = open_store(db_path)
    db.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON articles WHEN new.title = 'Переговори 1' "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    )
    db.close()
    ((outcomes,), _) = _write_in_a_child(db_path, _articles(3))
    assert outcomes[0] == outcomes[2] == "new"
    assert type(outcomes[1]) is sqlite3.IntegrityError
    assert str(outcomes[1]) == "refused by the test"


def test_a_child_killed_with_a_batch_in_flight_fails_it_once_and_is_reaped(tmp_path):
    gone: list[str] = []
    open_store(tmp_path / "k.db").close()

    async def run():
        writer = LocalWriter(tmp_path / "k.db", on_gone=gone.append)
        await writer.start()
        os.kill(writer.pid, signal.SIGSTOP)  # the batch is surely not answered yet
        in_flight = writer.send([(a, SEEN) for a in _articles(3)])
        os.kill(writer.pid, signal.SIGKILL)
        with pytest.raises(WriterGone, match="killed by SIGKILL"):
            await in_flight
        with pytest.raises(WriterGone):  # nothing more is sent to it
            await writer.send([(a, SEEN) for a in _articles(1, start=9)])
        await writer.close()
        return writer

    writer = asyncio.run(run())
    assert len(gone) == 1 and f"pid {writer.pid}" in gone[0] and "pending" in gone[0]
    assert writer.process.returncode == -signal.SIGKILL
    with pytest.raises(ChildProcessError):  # reaped by the crawl: no zombie
        os.waitpid(writer.pid, os.WNOHANG)
    with closing(sqlite3.connect(tmp_path / "k.db")) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM articles").fetchone() == (0,)


CRAWL_THAT_DIES = """
import asyncio, sys, time
sys.path.insert(0, {tests!r})
from test_local_writer import SEEN, _articles
from newswatch.scaleout.local import LocalWriter

async def main():
    writer = LocalWriter({db!r})
    await writer.start()
    for n in range(4):
        writer.send([(a, SEEN) for a in _articles(10, start=10 * n)])
    while writer._requests.get_write_buffer_size():  # all of it in the pipe
        await asyncio.sleep(0.01)
    print(writer.pid, flush=True)
    time.sleep(600)  # killed here, its answers unread

asyncio.run(main())
"""


def test_the_child_of_a_killed_crawl_commits_what_it_was_sent_and_exits(tmp_path):
    db = tmp_path / "orphan.db"
    crawl = subprocess.Popen(
        [sys.executable, "-c", CRAWL_THAT_DIES.format(tests=str(REPO / "tests"), db=str(db))],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    child = int(crawl.stdout.readline())
    crawl.kill()
    crawl.wait(timeout=30)
    _wait_gone(child)  # it saw its stdin close
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM articles WHERE url IS NOT NULL").fetchone() == (
            40,
        )


def test_a_store_the_child_cannot_open_fails_every_batch_with_the_reason(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    gone: list[str] = []

    async def run():
        writer = LocalWriter(blocker / "x.db", on_gone=gone.append)
        await writer.start()  # not waiting for the child: the crawl starts meanwhile
        with pytest.raises(WriterGone, match="cannot open the database"):
            await writer.send([(a, SEEN) for a in _articles(2)])
        await writer.close()
        return writer

    writer = asyncio.run(run())
    assert len(gone) == 1 and gone[0].startswith(f"cannot open the database {blocker / 'x.db'}")
    assert writer.process.returncode == 1


# --- the pipeline -------------------------------------------------------------------------------


def _pipeline(db_path, batch_size: int) -> ProcessStorePipeline:
    crawler = get_crawler(
        settings_dict={
            "NEWSWATCH_WRITER": "process",
            "NEWSWATCH_DB": str(db_path),
            "NEWSWATCH_WRITER_BATCH": batch_size,
        }
    )
    pipeline = StorePipeline.from_crawler(crawler)
    assert type(pipeline) is ProcessStorePipeline and pipeline.batch_size == batch_size
    return pipeline


async def _through(pipeline: ProcessStorePipeline, article: Article) -> Article:
    """The article through the pipeline, and the signal Scrapy's scraper sends once it is
    through: passed on, or dropped."""
    try:
        item = await pipeline.process_item(article)
    except DropItem as drop:
        pipeline.crawler.signals.send_catch_log(
            signals.item_dropped, item=article, response=None, exception=drop, spider=None
        )
        raise
    pipeline.crawler.signals.send_catch_log(
        signals.item_scraped, item=item, response=None, spider=None
    )
    return item


def _stored_titles(db_path) -> list[str]:
    with closing(sqlite3.connect(db_path)) as conn:
        return sorted(
            r[0] for r in conn.execute("SELECT title FROM articles WHERE url IS NOT NULL")
        )


def test_the_setting_names_the_writer_and_refuses_others():
    from newswatch.runner import project_settings

    assert WRITERS == ("inline", "process")
    assert project_settings()["NEWSWATCH_WRITER"] == "inline"  # the default (see the setting)
    assert type(StorePipeline.from_crawler(get_crawler())) is StorePipeline
    with pytest.raises(ValueError, match="NEWSWATCH_WRITER is 'thread'"):
        StorePipeline.from_crawler(get_crawler(settings_dict={"NEWSWATCH_WRITER": "thread"}))


def test_an_article_is_passed_on_only_once_the_child_committed_its_batch(db_path):
    pipeline = _pipeline(db_path, batch_size=3)
    articles = _articles(8)

    async def crawl():
        await pipeline.open_spider()
        passed = []

        async def one(article):
            await _through(pipeline, article)
            # Whoever receives the item next can read it in the store.
            assert article.title in _stored_titles(db_path)
            passed.append(article)

        await asyncio.gather(*(one(a) for a in articles))
        await pipeline.close_spider()
        return passed

    assert len(asyncio.run(crawl())) == 8
    # The first went at once, alone; the others waited for the child, three at a time at most.
    stats = pipeline.stats.get_stats()
    assert stats["newswatch/store/new"] == 8 and stats["newswatch/writer/batches"] == 4


def test_the_next_batch_waits_for_the_articles_before_to_leave_but_not_for_ever(db_path):
    pipeline = _pipeline(db_path, batch_size=5)
    pipeline.LEAVING_WAIT_S = 0.3

    async def crawl():
        await pipeline.open_spider()
        await pipeline.process_item(_articles(1)[0])  # passed on, but no signal says so
        started = time.monotonic()
        await _through(pipeline, _articles(1, start=1)[0])
        waited = time.monotonic() - started
        started = time.monotonic()
        await _through(pipeline, _articles(1, start=2)[0])
        await pipeline.close_spider()
        return waited, time.monotonic() - started

    held, free = asyncio.run(crawl())
    assert held >= 0.3 > free  # the second waited for the first to leave; the third did not


def test_a_refused_article_is_dropped_alone_and_stops_the_crawl_as_inline(db_path):
    db = open_store(db_path)
    db.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON articles WHEN new.title = 'Переговори 2' "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    )
    db.close()
    pipeline = _pipeline(db_path, batch_size=5)

    async def crawl():
        await pipeline.open_spider()
        results = await asyncio.gather(
            *(_through(pipeline, a) for a in _articles(5)), return_exceptions=True
        )
        await pipeline.close_spider()
        return results

    results = asyncio.run(crawl())
    assert [type(r).__name__ for r in results] == ["Article"] * 2 + ["DropItem"] + ["Article"] * 2
    assert _stored_titles(db_path) == [f"Переговори {i}" for i in (0, 1, 3, 4)]
    stats = pipeline.stats.get_stats()
    assert stats["newswatch/store/new"] == 4 and stats["newswatch/store/errors"] == 1
    assert "refused by the test" in stats["newswatch/store/error"]
    assert "newswatch/lost" not in stats


def test_an_error_that_ends_the_transaction_drops_the_whole_batch_as_inline(db_path):
    db = open_store(db_path)
    db.execute(
        "CREATE TRIGGER lose BEFORE INSERT ON articles WHEN new.title = 'Переговори 1' "
        "BEGIN SELECT RAISE(ROLLBACK, 'the transaction is gone'); END"
    )
    db.close()
    pipeline = _pipeline(db_path, batch_size=4)

    async def crawl():
        await pipeline.open_spider()
        # The child held up by a first article: the next four go to it in one batch.
        os.kill(pipeline.writer.pid, signal.SIGSTOP)
        first = asyncio.ensure_future(_through(pipeline, _articles(1, start=9)[0]))
        batch = [asyncio.ensure_future(_through(pipeline, a)) for a in _articles(4)]
        await asyncio.sleep(0.1)
        assert len(pipeline.pending) == 4
        os.kill(pipeline.writer.pid, signal.SIGCONT)
        results = await asyncio.gather(first, *batch, return_exceptions=True)
        await pipeline.close_spider()
        return results

    first, *results = asyncio.run(crawl())
    assert isinstance(first, Article)
    assert all(isinstance(r, DropItem) for r in results)
    assert all("the transaction is gone" in str(r) for r in results), results
    assert _stored_titles(db_path) == ["Переговори 9"]
    assert pipeline.stats.get_value("newswatch/writer/batches") == 2


def test_a_child_that_dies_drops_what_it_held_as_not_stored_and_not_lost(db_path):
    pipeline = _pipeline(db_path, batch_size=2)

    async def crawl():
        await pipeline.open_spider()
        first = await asyncio.gather(*(_through(pipeline, a) for a in _articles(2)))
        os.kill(pipeline.writer.pid, signal.SIGSTOP)
        later = [asyncio.ensure_future(_through(pipeline, a)) for a in _articles(5, start=2)]
        await asyncio.sleep(0.2)  # one article sent, four waiting for the child
        assert len(pipeline.pending) == 4
        os.kill(pipeline.writer.pid, signal.SIGKILL)
        results = await asyncio.gather(*later, return_exceptions=True)
        await pipeline.close_spider()
        return first, results

    first, results = asyncio.run(crawl())
    assert len(first) == 2
    assert all(isinstance(r, DropItem) and "died (killed by SIGKILL)" in str(r) for r in results)
    stats = pipeline.stats.get_stats()
    assert stats["newswatch/store/new"] == 2 and stats["newswatch/store/writer_gone"] == 5
    assert "died (killed by SIGKILL)" in stats["newswatch/store/error"]
    assert "newswatch/lost" not in stats  # they were not stored, and stay pending
    assert _stored_titles(db_path) == ["Переговори 0", "Переговори 1"]


def test_a_child_that_cannot_open_the_store_stops_the_crawl_with_the_reason(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    pipeline = _pipeline(blocker / "x.db", batch_size=2)

    async def crawl():
        await pipeline.open_spider()
        with pytest.raises(DropItem, match="cannot open the database"):
            await _through(pipeline, _articles(1)[0])
        await pipeline.close_spider()

    asyncio.run(crawl())
    stats = pipeline.stats.get_stats()
    assert stats["newswatch/store/error"].startswith("cannot open the database")
    assert stats["newswatch/store/writer_gone"] == 1 and "newswatch/lost" not in stats


# --- whole crawls -------------------------------------------------------------------------------


# Imported by every Python process started with its folder on PYTHONPATH (the crawl, and its
# writer process): save_article fails on the first crawled article, as under a memory cap.
FAILING_SAVE = """
import newswatch.store.batch as batch

original, failed = batch.save_article, []

def failing(db, article, *args, **kwargs):
    if article.url and not failed:
        failed.append(article.id)
        raise MemoryError("out of memory, as the test wants")
    return original(db, article, *args, **kwargs)

batch.save_article = failing
"""


def test_an_article_the_writer_process_fails_on_is_counted_lost_and_the_crawl_goes_on(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(FAILING_SAVE)
    db = tmp_path / "lost.db"
    result = run_newswatch(
        "crawl",
        "unian",
        "--replay",
        str(DEMO_DIR),
        "--writer",
        "process",
        "--db",
        str(db),
        env={"PYTHONPATH": str(tmp_path)},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.splitlines()[-1] == (
        "newswatch: 1 article could not be stored (the log says why)"
    )
    assert "out of memory, as the test wants" in result.stderr  # the child's error, logged
    assert "Traceback" not in result.stderr
    assert _stored_count(db) == 5  # the demo's five other unian articles landed
    assert "unian        finished" in result.stdout  # the crawl went on to the end


def test_a_read_only_store_fails_the_crawl_as_it_does_without_the_writer_process(tmp_path):
    from test_cli import read_only

    db = tmp_path / "store" / "ro.db"
    made = run_newswatch("crawl", "unian", "--replay", str(DEMO_DIR), "--db", str(db))
    assert made.returncode == 0, made.stderr[-3000:]
    outcomes = {}
    with read_only(db.parent):
        for writer in ("inline", "process"):
            result = run_newswatch(
                "crawl", "rbc", "--replay", str(DEMO_DIR), "--writer", writer, "--db", str(db)
            )
            outcomes[writer] = (result.returncode, result.stdout, result.stderr.splitlines()[-1])
    assert outcomes["process"] == outcomes["inline"]
    assert outcomes["process"][0] == 1 and "newswatch: cannot" in outcomes["process"][2]
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_store_file_that_refuses_writes_stops_the_crawl_at_once_in_one_line(tmp_path):
    """The folder writable, the database file not: SQLite opens it read-only, and the crawl's
    first write (taking the pending articles) is refused. It used to print a traceback and go
    on to fetch pages it could not keep; it stops before its first request, with one line."""
    from test_cli import read_only

    db = tmp_path / "store" / "ro.db"
    made = run_newswatch("crawl", "unian", "--replay", str(DEMO_DIR), "--db", str(db))
    assert made.returncode == 0, made.stderr[-3000:]
    before = _store(db)
    for writer in ("inline", "process"):
        with read_only(db.parent, files_only=True):
            result = run_newswatch(
                "crawl", "rbc", "--replay", str(DEMO_DIR), "--writer", writer, "--db", str(db)
            )
        assert result.returncode == 1, result.stdout
        assert "Traceback" not in result.stderr, result.stderr[-3000:]
        assert result.stderr.splitlines()[-1] == (
            f"newswatch: cannot write to the database {db}: attempt to write a readonly database"
        )
        assert result.stdout.startswith("rbc          store_error    0 requests")
        assert _store(db) == before


def _store(db) -> dict:
    """What a store holds, in a form two stores can be compared by."""
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = conn.execute(
            "SELECT id, url, duplicate_of, story_id, relevance, on_topic, content_hash, "
            "article_key, title FROM articles ORDER BY id"
        ).fetchall()
        counts = {
            table: conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]
            for table in (
                "articles",
                "article_topics",
                "article_fingerprints",
                "minhash_bands",
                "story_anchors",
                "article_versions",
                "pending",
                "articles_fts",
            )
        }
        stories = conn.execute(
            "SELECT count(DISTINCT story_id), count(duplicate_of) FROM articles"
        ).fetchone()
    return {"rows": rows, "counts": counts, "stories": stories}


def test_the_demo_replay_stores_the_same_with_the_writer_in_its_own_process(tmp_path):
    results = {}
    for writer in ("inline", "process"):
        db = tmp_path / f"{writer}.db"
        result = run_newswatch(
            "crawl", "--replay", str(DEMO_DIR), "--writer", writer, "--db", str(db)
        )
        assert result.returncode == 0, result.stderr[-3000:]
        results[writer] = (result.stdout, _store(db))
    assert results["process"] == results["inline"]
    stdout, store = results["process"]
    assert store["counts"]["articles"] > 30 and store["stories"][1] > 0  # copies were found
    assert "new" in stdout


@pytest.fixture(scope="module")
def generated_pages(tmp_path_factory) -> Path:
    """GENERATED_PAGES of bench/replay_throughput.py's pages (every tenth a copy)."""
    folder = tmp_path_factory.mktemp("generated")
    replay_throughput.generate(folder, GENERATED_PAGES)
    return folder


@pytest.fixture(scope="module")
def generated(generated_pages):
    """The generated pages, served: the base URL to crawl them through (NEWSWATCH_MIRROR)."""
    with serve_fixtures([generated_pages]) as base:
        yield base


def test_the_child_links_the_generated_pages_exactly_as_the_crawls_own_process(
    tmp_path, generated_pages
):
    """The same articles, in the same order, seen at the same times: the same store, to the
    last copy and story link (a crawl's own order and clock vary from run to run)."""
    topics = load_topics(None)
    pages = sorted(
        (f for f in load_fixtures([generated_pages]).values() if f.page_kind == "article"),
        key=lambda f: f.url,  # the order they were generated in
    )
    articles = []
    for page in pages[:150]:
        article = extract_article(page.body.decode(), page.url, now=NOW)
        normalise_article(article, NOW)
        judge_article(article, topics)
        articles.append(article)
    batches = [articles[n : n + 25] for n in range(0, len(articles), 25)]
    sent = [[Article(**vars(a)) for a in batch] for batch in batches]
    outcomes, _ = _write_in_a_child(tmp_path / "child.db", *sent)
    db = open_store(tmp_path / "inline.db")
    inline = [write_batch(db, [(a, SEEN) for a in batch]) for batch in batches]
    db.close()
    assert outcomes == inline and sum(o.count("new") for o in outcomes) == 150
    assert [vars(a) for b in sent for a in b] == [vars(a) for b in batches for a in b]
    child, inline_store = _store(tmp_path / "child.db"), _store(tmp_path / "inline.db")
    assert child == inline_store
    assert child["stories"][1] >= 15  # the copies among them were found


def _crawl_command(base: str, db: Path, writer: str, *settings: str) -> list[str]:
    command = [sys.executable, "-m", "newswatch.cli", "crawl", "unian", "--writer", writer]
    for setting in (
        f"NEWSWATCH_MIRROR={base}",
        "AUTOTHROTTLE_ENABLED=False",
        "DOWNLOAD_DELAY=0",
        f"STATS_DUMP_FILE={db.with_suffix('.json')}",
        *settings,
    ):
        command += ["-s", setting]
    return [*command, "--db", str(db)]


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}


def _run(base: str, db: Path, writer: str, *settings: str) -> tuple:
    result = subprocess.run(
        _crawl_command(base, db, writer, *settings),
        cwd=REPO,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result, json.loads(db.with_suffix(".json").read_text())


def _start(base: str, db: Path, writer: str, *settings: str) -> subprocess.Popen:
    return subprocess.Popen(
        _crawl_command(base, db, writer, *settings),
        cwd=REPO,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stored_count(db: Path) -> int:
    try:
        with closing(sqlite3.connect(db, timeout=5)) as conn:
            return conn.execute("SELECT count(*) FROM articles WHERE url IS NOT NULL").fetchone()[0]
    except sqlite3.OperationalError:  # not made yet
        return 0


def _writer_of(crawl_pid: int) -> int:
    """The pid of the crawl's writer process."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.split(") ")[1].split()[1]) == crawl_pid and b"scaleout.local" in command:
                return int(entry.name)
        time.sleep(0.02)
    raise AssertionError(f"the crawl {crawl_pid} started no writer process")


def _wait_stored(db: Path, process: subprocess.Popen, at_least: int) -> None:
    deadline = time.monotonic() + 120
    while _stored_count(db) < at_least:
        assert process.poll() is None, process.communicate()[1][-3000:]
        assert time.monotonic() < deadline
        time.sleep(0.02)


def _listed_urls(db: Path) -> set[str]:
    """Every article URL of the generated feed that the store holds, stored or pending (or
    both: committed by the writer, but the crawl killed before it heard so; the next crawl
    finds it stored)."""
    with closing(sqlite3.connect(db)) as conn:
        stored = [u for (u,) in conn.execute("SELECT url FROM articles WHERE url IS NOT NULL")]
        pending = [u for (u,) in conn.execute("SELECT url FROM pending")]
        assert len(stored) == len(set(stored))  # nothing stored twice
    return set(stored) | set(pending)


def _what_was_stored(stats: dict) -> dict:
    """The statistics that say what was stored; not the timings, the writer's own, nor the
    articles that joined a story (see `_crawled`)."""
    return {
        k: v
        for k, v in stats.items()
        if k.startswith(("newswatch/store/", "newswatch/topic/", "newswatch/normalise/"))
        or k.startswith(("newswatch/pending/", "newswatch/extraction/pages"))
        if k != "newswatch/store/joined_story"
    }


def _crawled(db) -> dict:
    """What a crawl of the generated pages stored that does not depend on the order pages
    arrived in, nor on which second each was seen: every row but for its links, the groups of
    copies (not which of a group is the original: among copies published at the same time,
    the first seen), the counts. Story links depend on the order too; the test above holds
    them to be equal for the same order."""
    with closing(sqlite3.connect(db)) as conn:
        groups: dict[str, set[str]] = {}
        for article_id, root in conn.execute("SELECT id, coalesce(duplicate_of, id) FROM articles"):
            groups.setdefault(root, set()).add(article_id)
    store = _store(db)
    return {
        "rows": [row[:2] + row[4:] for row in store["rows"]],
        "copies": {frozenset(group) for group in groups.values()},
        "counts": store["counts"],
    }


@pytest.mark.slow
def test_generated_pages_store_the_same_and_count_the_same_in_both_modes(tmp_path, generated):
    stores, stats = {}, {}
    for writer in ("inline", "process"):
        db = tmp_path / f"{writer}.db"
        result, stats[writer] = _run(generated, db, writer)
        assert result.returncode == 0, result.stderr[-3000:]
        stores[writer] = _crawled(db)
    assert stores["process"] == stores["inline"]
    assert _what_was_stored(stats["process"]) == _what_was_stored(stats["inline"])
    counted = stats["process"]
    assert counted["newswatch/store/new"] == GENERATED_PAGES
    assert counted["newswatch/store/duplicate"] >= GENERATED_PAGES // 10
    assert counted["newswatch/store/joined_story"] > 0
    assert counted["newswatch/writer/batches"] >= GENERATED_PAGES // 100  # NEWSWATCH_WRITER_BATCH
    assert counted["newswatch/writer/cpu_s"] > 0
    assert 20 < counted["newswatch/writer/peak_memory_mb"] < stats["inline"]["memusage/max"] / 2**20


@pytest.mark.slow
def test_a_writer_killed_mid_crawl_stops_it_in_one_line_and_loses_nothing(tmp_path, generated):
    db = tmp_path / "k.db"
    crawl = _start(generated, db, "process", "CONCURRENT_REQUESTS_PER_DOMAIN=2")
    writer = _writer_of(crawl.pid)
    _wait_stored(db, crawl, 40)
    os.kill(writer, signal.SIGKILL)
    _, stderr = crawl.communicate(timeout=120)
    assert crawl.returncode == 1
    lines = [line for line in stderr.splitlines() if line.startswith("newswatch:")]
    assert lines == [
        f"newswatch: the store's writer process (pid {writer}) died (killed by SIGKILL); "
        "the articles it had not stored stay pending for the next crawl"
    ], stderr[-3000:]
    assert "Traceback" not in stderr
    stored = _stored_count(db)
    assert 40 <= stored < GENERATED_PAGES
    assert len(_listed_urls(db)) == GENERATED_PAGES  # every page stored or still pending
    result, stats = _run(generated, db, "process")
    assert result.returncode == 0, result.stderr[-3000:]
    assert stats["newswatch/store/new"] == GENERATED_PAGES - stored  # the rest, nothing twice
    assert _stored_count(db) == GENERATED_PAGES and _store(db)["counts"]["pending"] == 0


@pytest.mark.slow
def test_a_crawl_killed_mid_way_leaves_its_writer_to_commit_and_exit(tmp_path, generated):
    db = tmp_path / "c.db"
    crawl = _start(generated, db, "process", "CONCURRENT_REQUESTS_PER_DOMAIN=2")
    writer = _writer_of(crawl.pid)
    _wait_stored(db, crawl, 40)
    crawl.kill()
    crawl.communicate(timeout=60)
    _wait_gone(writer)
    assert _store(db)["counts"]["articles"] >= 40  # integrity_check: ok
    assert len(_listed_urls(db)) == GENERATED_PAGES
    result, _ = _run(generated, db, "process")
    assert result.returncode == 0, result.stderr[-3000:]
    assert _stored_count(db) == GENERATED_PAGES and _store(db)["counts"]["pending"] == 0


@pytest.mark.slow
def test_sigterm_lets_the_writer_commit_what_it_has_and_exit(tmp_path, generated):
    db = tmp_path / "t.db"
    crawl = _start(generated, db, "process", "CONCURRENT_REQUESTS_PER_DOMAIN=2")
    writer = _writer_of(crawl.pid)
    _wait_stored(db, crawl, 40)
    crawl.send_signal(signal.SIGTERM)
    _, stderr = crawl.communicate(timeout=120)
    assert crawl.returncode == 1  # the crawl did not finish
    assert "Traceback" not in stderr
    _wait_gone(writer)
    stats = json.loads(db.with_suffix(".json").read_text())
    assert stats["finish_reason"] == "shutdown"
    # Every article the crawl sent was committed and answered for: none stored unreported.
    assert stats["newswatch/store/new"] == _stored_count(db) < GENERATED_PAGES
    assert "newswatch/store/writer_gone" not in stats and "newswatch/lost" not in stats
    assert len(_listed_urls(db)) == GENERATED_PAGES
