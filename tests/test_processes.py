"""Nothing hung, nothing leaked, nothing twice: special files and links given to `import`,
signals, concurrent exports, one crawl per outlet at a time, the daemon run from any folder, and
Datasette's bounds. Real processes throughout."""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import quote
from urllib.request import urlopen

import pytest
from conftest import REPO, SEEDS, run_newswatch
from support.browser import serving

from newswatch.fixtures import DEMO_DIR, serve_fixtures

TOPIC = REPO / "newswatch" / "topics" / "west_russia_talks.toml"


def _ids(db_path: Path) -> set[str]:
    with closing(sqlite3.connect(db_path)) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM articles")}


def test_importing_a_fifo_is_refused_at_once(db_path, tmp_path):
    fifo = tmp_path / "000_00000000000000ff.txt"
    os.mkfifo(fifo)  # nobody ever writes to it: opening it to read used to wait for ever
    started = time.monotonic()
    result = run_newswatch("import", str(fifo), str(SEEDS), "--db", str(db_path), timeout=30)
    assert time.monotonic() - started < 30
    assert result.returncode == 1
    assert f"refused: {fifo}: cannot read: not a regular file (a FIFO)" in result.stderr
    assert "Traceback" not in result.stderr
    assert "read 5 file(s)" in result.stdout  # the other files still landed


def test_a_link_out_of_the_imported_folder_is_not_followed(db_path, tmp_path):
    outside = tmp_path / "private.txt"
    outside.write_text("root:x:0:0:a secret line that must not become an article\n")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "000_0000000000000abc.txt").symlink_to(outside)
    (folder / "sub").mkdir()
    (folder / "sub" / "001_0000000000000def.txt").symlink_to(Path("..") / ".." / "private.txt")
    own = folder / "002_0000000000000123.txt"
    own.write_text("An article of the folder itself.\n")
    (folder / "003_0000000000000456.txt").symlink_to(own.name)  # a link inside: fine
    result = run_newswatch("import", str(folder), "--db", str(db_path))
    assert result.returncode == 1
    for link in ("000_0000000000000abc.txt", "sub/001_0000000000000def.txt"):
        assert f"refused: {folder / link}: a link to a file outside {folder}" in result.stderr
    stored = _ids(db_path)
    assert "0000000000000abc" not in stored and "0000000000000def" not in stored
    assert "0000000000000123" in stored


def test_two_concurrent_exports_into_one_folder_write_each_article_once(db_path, tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    for n in range(300):
        (articles / f"{n:03d}_{n + 1:016x}.txt").write_text(
            f" date 2026-11-{n % 20 + 1:02d} Article number {n} of a generated batch, "
            f"written for this test only; its own words: {' '.join(str(n * k) for k in range(40))}"
        )
    result = run_newswatch("import", str(articles), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    stored = len(_ids(db_path))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "newswatch.cli", "export", str(out), "--all"]
    exports = [
        subprocess.Popen([*command, "--db", str(db_path)], cwd=REPO, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for export in exports:
        _, err = export.communicate(timeout=120)
        assert export.returncode == 0, err
    files = sorted(p.name for p in out.glob("*.txt"))
    assert len(files) == stored
    assert len({name.split("_")[1] for name in files}) == stored


def _crawls(db: Path) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT outlet, status FROM crawls ORDER BY id").fetchall()


def test_the_daemon_crawls_from_any_folder(tmp_path, monkeypatch):
    """`scrapy crawl` needs scrapy.cfg in the current folder: outside the repository every
    crawl of the daemon failed with exit 2 and no reason."""
    from newswatch import daemon

    monkeypatch.delenv("NEWSWATCH_DB", raising=False)
    db = tmp_path / "d.db"
    status = daemon.run_crawl("unian", "feeds", str(db), replay=str(DEMO_DIR), cwd=str(tmp_path))
    assert status == 0
    assert _crawls(db) == [("unian", "finished")]


def test_why_a_crawl_failed_reaches_the_daemon_log_and_the_crawls_table(tmp_path, mocker, caplog):
    from newswatch import daemon

    db = tmp_path / "d.db"
    run_newswatch("import", str(SEEDS), "--db", str(db))  # a store with its seeds
    failing = "print('earlier output'); raise SystemExit('newswatch: the reason it failed')"
    mocker.patch.object(daemon, "crawl_command", return_value=[sys.executable, "-c", failing])
    with caplog.at_level(logging.INFO, logger="newswatch.daemon"):
        assert daemon.run_crawl("rbc", "feeds", str(db), cwd=str(tmp_path)) == 1
    assert "newswatch: the reason it failed" in caplog.text
    assert _crawls(db) == [("rbc", "exit 1: newswatch: the reason it failed")]


def _slow_crawl(outlet: str, db: Path, mirror: str, delay: float = 2) -> list[str]:
    """`newswatch crawl` of one outlet from the demo pages served at `mirror`, a request every
    `delay` seconds (a replay would answer at once: it never waits for a download slot), one
    at a time, so that a stop does not wait for many queued requests."""
    return [
        *(sys.executable, "-m", "newswatch.cli", "crawl", outlet, "--db", str(db)),
        *("-s", f"NEWSWATCH_MIRROR={mirror}", "-s", "AUTOTHROTTLE_ENABLED=False"),
        *("-s", f"DOWNLOAD_DELAY={delay}", "-s", "CONCURRENT_REQUESTS=1"),
    ]


def _holder(db: Path, outlet: str, timeout: float = 60) -> int:
    """The pid written into the outlet's lock file by the crawl holding it."""
    lock = db.parent / f"{db.name}.locks" / f"{outlet}.lock"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lock.exists() and lock.read_text().strip().isdigit():
            return int(lock.read_text())
        time.sleep(0.1)
    raise AssertionError(f"no crawl took {lock}")


def _gone(pid: int, timeout: float = 60) -> bool:
    """Whether process `pid` ends within `timeout` seconds (a zombie nobody reaps has ended)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def test_one_crawl_per_outlet_at_a_time_and_a_killed_daemon_takes_its_crawl_along(tmp_path):
    db = tmp_path / "d.db"
    run_newswatch("import", str(SEEDS), "--db", str(db))  # a store with its seeds
    # The daemon's crawl, slowed down so that it is still running when the daemon is killed.
    with serve_fixtures([DEMO_DIR]) as mirror:
        code = (
            "import sys\nfrom newswatch import daemon\n"
            f"daemon.crawl_command = lambda *a, **k: {_slow_crawl('unian', db, mirror, 6)!r}\n"
            f"sys.exit(daemon.run_crawl('unian', 'feeds', {str(db)!r}))\n"
        )
        scheduler = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path)
        crawl_pid = _holder(db, "unian")
        _refused_while_held_and_freed_when_killed(db, scheduler, crawl_pid)
    third = run_newswatch("crawl", "unian", "--db", str(db), "--replay", str(DEMO_DIR))
    assert third.returncode == 0, third.stderr  # the lock died with its holder


def _refused_while_held_and_freed_when_killed(db: Path, scheduler, crawl_pid: int) -> None:
    try:
        second = run_newswatch("crawl", "unian", "--db", str(db), "--replay", str(DEMO_DIR))
        assert second.returncode == 75, second.stderr
        assert second.stderr.strip() == (
            f"newswatch: unian is already being crawled into {db} (pid {crawl_pid}); "
            "not crawled again"
        )
        scrapy = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "unian", "-s", f"NEWSWATCH_DB={db}"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert scrapy.returncode == 75 and "Traceback" not in scrapy.stderr
        assert f"WARNING: unian is already being crawled into {db}" in scrapy.stderr
        other = run_newswatch("crawl", "rbc", "--db", str(db), "--replay", str(DEMO_DIR))
        assert other.returncode == 0, other.stderr  # another outlet is not held up
        assert not _gone(crawl_pid, 0), "the crawl ended before the test could kill the daemon"
        scheduler.kill()  # SIGKILL: the daemon cannot stop its crawl itself
        scheduler.wait()
        # It stops within a request or two, long before it would have ended by itself.
        assert _gone(crawl_pid, 15), "the killed daemon's crawl is still running"
    finally:
        scheduler.kill()
        if not _gone(crawl_pid, 0):
            os.kill(crawl_pid, signal.SIGKILL)


def test_the_daemon_skips_an_outlet_already_being_crawled(tmp_path, caplog):
    from newswatch import daemon

    db = tmp_path / "d.db"
    run_newswatch("import", str(SEEDS), "--db", str(db))  # a store with its seeds
    with serve_fixtures([DEMO_DIR]) as mirror:
        crawl = subprocess.Popen(_slow_crawl("unian", db, mirror, 4), cwd=tmp_path)
        try:
            _holder(db, "unian")
            with caplog.at_level(logging.INFO, logger="newswatch.daemon"):
                status = daemon.run_crawl("unian", "feeds", str(db), replay=str(DEMO_DIR))
            assert status == 75
            assert "crawl unian (feeds) skipped: already running" in caplog.text
            # Nothing recorded as a failed crawl: the one row is the running crawl's own.
            assert _crawls(db) == [("unian", "running")]
        finally:
            crawl.terminate()
            crawl.wait(60)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_long_running_command_stops_on_a_signal_and_says_it_did_not_finish(tmp_path, signum):
    db = tmp_path / "d.db"
    run_newswatch("import", str(SEEDS), "--db", str(db))  # a store with its seeds
    with serve_fixtures([DEMO_DIR]) as mirror:
        crawl = subprocess.Popen(
            _slow_crawl("unian", db, mirror),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            text=True,
        )
        _holder(db, "unian")
        time.sleep(1)
        crawl.send_signal(signum)
        try:
            out, _ = crawl.communicate(timeout=30)  # the whole crawl would take longer
        finally:
            crawl.kill()
    assert crawl.returncode == 1
    assert out.startswith("unian        shutdown")


def _fetch(base: str, path: str) -> tuple[int, dict]:
    try:
        with urlopen(f"{base}{path}", timeout=60) as response:
            return response.status, json.load(response)
    except HTTPError as error:
        return error.code, json.load(error)


def test_serve_bounds_every_query_and_hides_where_the_database_lives(tmp_path):
    db = tmp_path / "private-folder" / "nw.db"
    run_newswatch("import", str(SEEDS), "--db", str(db))  # a store with its seeds
    with serving(db, cwd=tmp_path) as base:
        status, databases = _fetch(base, "/-/databases.json")
        assert status == 200 and [d["name"] for d in databases] == ["nw"]
        assert "private-folder" not in json.dumps(databases)

        endless = (
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c"
        )
        started = time.monotonic()
        status, answer = _fetch(base, f"/nw.json?sql={quote(endless)}")
        assert status == 400 and "too long" in answer["error"]
        assert time.monotonic() - started < 15
        # 300 MB in one value: no row limit stops it, the memory bound does.
        huge = (
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 150) "
            "SELECT length(group_concat(hex(zeroblob(1000000)))) FROM c"
        )
        status, answer = _fetch(base, f"/nw.json?sql={quote(huge)}")
        assert status == 400 and "out of memory" in answer["error"]
        status, _ = _fetch(base, "/nw.json?sql=" + quote("SELECT count(*) FROM articles"))
        assert status == 200  # and the server goes on


@pytest.mark.parametrize(
    "command",
    [
        ("extract", "{fifo}", "--url", "https://www.unian.ua/politics/x-13000001.html"),
        ("classify", "{fifo}"),
        ("classify", str(SEEDS), "--topic", "{fifo}"),
        (
            "topic",
            "fit",
            str(REPO / "newswatch/topics/west_russia_talks.toml"),
            "--labels",
            "{fifo}",
        ),
    ],
    ids=["extract", "classify", "classify --topic", "topic fit --labels"],
)
def test_every_file_a_command_reads_may_be_a_fifo_without_hanging_it(tmp_path, command):
    fifo = tmp_path / "named.txt"
    os.mkfifo(fifo)
    result = run_newswatch(*(part.format(fifo=fifo) for part in command), timeout=30)
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert str(fifo) in line and "not a regular file (a FIFO)" in line


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_an_import_stops_on_a_signal_and_says_it_did_not_finish(tmp_path, signum):
    """Scrapy 2.19 waited for ever when a stop came while articles read by start() were in
    the item pipelines (the scraper never checked again whether it could close)."""
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(3000):
        (folder / f"{n:04d}_{n + 1:016x}.txt").write_text(
            f"Generated article {n}: " + " ".join(str(n * k) for k in range(50))
        )
    db = tmp_path / "d.db"
    run_newswatch("import", str(SEEDS), "--db", str(db))  # a store with its seeds
    command = [sys.executable, "-m", "newswatch.cli", "import", str(folder), "--db", str(db)]
    importer = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(_ids(db)) < 100 and time.monotonic() < deadline:
        time.sleep(0.2)
    importer.send_signal(signum)
    try:
        _, err = importer.communicate(timeout=30)
    finally:
        importer.kill()
    assert importer.returncode == 1
    assert "newswatch: the import was stopped (shutdown) before it read every file" in err
