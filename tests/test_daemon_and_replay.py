"""Fixtures captured and replayed, the crawls table and `newswatch status`, the bundled demo,
and the daemon: --once, a clean stop on SIGTERM, fixed job ids."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from conftest import REPO, SEEDS, run_newswatch
from support.process_output import wait_for_line

from newswatch.fixtures import (
    DEMO_DIR,
    FixtureRetention,
    fixture_name,
    load_fixtures,
    save_fixture,
    serve_fixtures,
)
from newswatch.outlets import OUTLETS


def _rows(db: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql).fetchall()


@pytest.mark.parametrize(
    "url",
    [
        "https://www.unian.ua/../../etc/passwd",
        "https://www.unian.ua/%2e%2e/%2e%2e/x",
        "https://evil/" + "a" * 5000,
        "https://www.unian.ua/politics/x-13219538.html?q=/../../",
    ],
)
def test_fixture_names_cannot_leave_their_folder(tmp_path, url):
    name = fixture_name(url, "text/html")
    assert "/" not in name and ".." not in name and len(name) < 100
    path = save_fixture(
        tmp_path,
        url=url,
        final_url=url,
        status=200,
        headers={},
        body=b"x",
        outlet="../unian",
        page_kind="../../article",
        fetched_at="now",
    )
    assert tmp_path in path.resolve().parents


def _save_unian_page(
    folder: Path, n: int, retention: FixtureRetention, kind: str = "article"
) -> Path:
    """Save UNIAN's page number `n` as a fixture under `folder`: an HTML article, or with
    `kind` "api" a JSON answer."""
    api = kind == "api"
    return save_fixture(
        folder,
        url=f"https://www.unian.ua/api/{n}" if api else f"https://www.unian.ua/{n}",
        final_url="",
        status=200,
        headers={"Content-Type": "application/json" if api else "text/html"},
        body=b"{}" if api else b"x",
        outlet="unian",
        page_kind=kind,
        fetched_at="now",
        retention=retention,
    )


def test_retention_keeps_the_newest_per_outlet_and_kind(tmp_path):
    retention = FixtureRetention(3)
    for n in range(5):
        saved = _save_unian_page(tmp_path, n, retention)
        # Saved n seconds after the epoch: the order the next save's retention reads.
        os.utime(f"{saved}.json", ns=(n * 10**9, n * 10**9))
    kept = sorted(load_fixtures([tmp_path]))
    assert kept == [f"https://www.unian.ua/{n}" for n in (2, 3, 4)]


def test_a_captured_crawl_replays_to_the_same_items(tmp_path):
    captured = tmp_path / "captured"
    with serve_fixtures([DEMO_DIR]) as base:
        live = subprocess.run(
            [
                sys.executable,
                "-m",
                "scrapy",
                "crawl",
                "pravda",
                "-s",
                f"NEWSWATCH_MIRROR={base}",
                "-s",
                f"NEWSWATCH_DB={tmp_path / 'live.db'}",
                "-s",
                f"NEWSWATCH_CAPTURE={captured}",
                "-s",
                "AUTOTHROTTLE_ENABLED=False",
                "-s",
                "DOWNLOAD_DELAY=0",
                "-s",
                "LOG_LEVEL=ERROR",
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert live.returncode == 0, live.stderr
    kinds = {f.page_kind for f in load_fixtures([captured]).values()}
    assert {"feed", "article", "robots", "sitemap"} <= kinds
    replay = run_newswatch(
        "crawl", "pravda", "--replay", str(captured), "--db", str(tmp_path / "replay.db")
    )
    assert replay.returncode == 0, replay.stderr
    query = (
        "SELECT id, url, title, text, published, on_topic, duplicate_of FROM articles "
        "WHERE url IS NOT NULL ORDER BY id"
    )
    assert _rows(tmp_path / "replay.db", query) == _rows(tmp_path / "live.db", query)
    assert len(_rows(tmp_path / "replay.db", query)) == 6


def test_a_request_with_no_saved_response_is_a_counted_miss(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(DEMO_DIR / "rbc", corpus / "rbc")
    for sidecar in (corpus / "rbc" / "article").glob("*.json"):
        if "frontline" in sidecar.name:
            sidecar.unlink()
    result = run_newswatch("crawl", "rbc", "--replay", str(corpus), "--db", str(tmp_path / "m.db"))
    assert result.returncode == 0, result.stderr
    assert "1 replay misses" in result.stdout
    (row,) = _rows(tmp_path / "m.db", "SELECT replay_misses, articles_new FROM crawls")
    assert row == (1, 5)  # five articles (the seeds are no crawl's); the missing page counted


def test_the_demo_runs_offline_and_a_second_run_adds_nothing(tmp_path):
    db = tmp_path / "demo.db"
    first = run_newswatch("demo", "--db", str(db))
    assert first.returncode == 0, first.stderr
    assert "31 article pages fetched" in first.stdout
    assert f"newswatch serve --db {db}" in first.stdout
    outlets = dict(
        _rows(db, "SELECT outlet, count(*) FROM articles WHERE outlet IS NOT NULL GROUP BY outlet")
    )
    assert outlets == {"moscowtimes": 8, "pravda": 7, "rbc": 7, "sputnik": 7, "unian": 7}  # seeds
    assert _rows(db, "SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL") == [(1,)]
    assert _rows(db, "SELECT max(articles) FROM stories")[0][0] >= 2
    second = run_newswatch("demo", "--db", str(db))
    assert "0 article pages fetched, 0 new articles stored" in second.stdout
    assert _rows(db, "SELECT count(*) FROM articles") == [(36,)]
    (feeds_unchanged,) = _rows(db, "SELECT sum(not_modified) FROM crawls WHERE id > 5")[0]
    assert feeds_unchanged >= 10  # every feed answered 304 the second time
    status = run_newswatch("status", "--db", str(db))
    assert status.returncode == 0 and "UNHEALTHY" not in status.stdout


def test_status_flags_an_outlet_whose_layout_changed(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(DEMO_DIR / "unian", corpus / "unian")
    for page in (corpus / "unian" / "article").glob("*.html"):
        page.write_text("<html><body><div class='new-layout'>Реклама</div></body></html>")
    run_newswatch("crawl", "unian", "--replay", str(corpus), "--db", str(tmp_path / "s.db"))
    status = run_newswatch("status", "--db", str(tmp_path / "s.db"))
    assert status.returncode == 2
    line = next(x for x in status.stdout.splitlines() if x.startswith("unian"))
    assert "UNHEALTHY" in line and "no article extracted" in line


# `newswatch` whose function MODULE.NAME fails on the first crawled article (as under a memory
# cap): python -c SCRIPT MODULE NAME <newswatch arguments>.
_FAILING_ON_FIRST_ARTICLE = """
import importlib
import sys

from newswatch.items import Article

module, name = importlib.import_module(sys.argv.pop(1)), sys.argv.pop(1)
original = getattr(module, name)
failed = []

def failing(*args, **kwargs):
    article = next(a for a in args if isinstance(a, Article))
    if article.url and not failed:
        failed.append(article.id)
        raise MemoryError("out of memory, as the test wants")
    return original(*args, **kwargs)

setattr(module, name, failing)
from newswatch.cli import main
main(prog_name="newswatch")
"""


@pytest.mark.parametrize(
    "stage", ["newswatch.store.batch save_article", "newswatch.topic judge_article"]
)
def test_an_article_that_cannot_be_stored_fails_the_crawl_and_status(tmp_path, stage):
    db = tmp_path / "lost.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    crawl = subprocess.run(
        [sys.executable, "-c", _FAILING_ON_FIRST_ARTICLE, *stage.split(), "crawl", "unian"]
        # The store in this process, where the patch is (the writer process's own case is in
        # test_local_writer.py).
        + ["--writer", "inline", "--replay", str(DEMO_DIR), "--db", str(db)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    assert crawl.returncode == 1, crawl.stdout + crawl.stderr
    last = crawl.stderr.splitlines()[-1]
    assert last == "newswatch: 1 article could not be stored (the log says why)"
    if stage.endswith("save_article"):  # the store says why in one line
        assert "Traceback" not in crawl.stderr
    with closing(sqlite3.connect(db)) as conn:
        stored = conn.execute("SELECT count(*) FROM articles WHERE url IS NOT NULL").fetchone()
    assert stored == (5,)  # the demo's five other unian articles landed
    status = run_newswatch("status", "--db", str(db))
    assert status.returncode == 2
    line = next(x for x in status.stdout.splitlines() if x.startswith("unian"))
    assert "UNHEALTHY" in line and "1 article could not be stored" in line


def _daemon(tmp_path: Path, *args: str) -> subprocess.Popen:
    config = tmp_path / "schedule.toml"
    config.write_text(
        (REPO / "newswatch" / "schedule.toml")
        .read_text()
        .replace('jobs_db = "data/jobs.db"', f'jobs_db = "{tmp_path / "jobs.db"}"')
        .replace('fixtures = "fixtures"', f'fixtures = "{tmp_path / "fixtures"}"')
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    return subprocess.Popen(
        [
            sys.executable,
            "scheduler.py",
            "--config",
            str(config),
            "--db",
            str(tmp_path / "d.db"),
            *args,
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_once_crawls_every_outlet_and_saves_fixtures(tmp_path):
    daemon = _daemon(tmp_path, "--once", "--replay", str(DEMO_DIR))
    _, err = daemon.communicate(timeout=300)
    assert daemon.returncode == 0, err
    crawls = _rows(tmp_path / "d.db", "SELECT outlet, status FROM crawls ORDER BY outlet")
    assert crawls == [(o, "finished") for o in ("moscowtimes", "pravda", "rbc", "sputnik", "unian")]
    assert len(load_fixtures([tmp_path / "fixtures"])) > 40  # captured, on by default


def test_sigterm_stops_the_daemon_cleanly_and_a_restart_duplicates_no_job(tmp_path):
    jobs = len(OUTLETS) * 2
    daemon = _daemon(tmp_path, "--replay", str(DEMO_DIR))
    wait_for_line(daemon, f"daemon started: {jobs} jobs")
    daemon.send_signal(signal.SIGTERM)
    _, err = daemon.communicate(timeout=90)
    assert daemon.returncode == 0, err
    assert "daemon stopped" in err
    # A restart finds the jobs stored and starts with the same ten, not twenty and not dead
    # on a conflicting job id.
    again = _daemon(tmp_path, "--replay", str(DEMO_DIR))
    wait_for_line(again, f"daemon started: {jobs} jobs")
    again.send_signal(signal.SIGINT)
    _, err = again.communicate(timeout=90)
    assert again.returncode == 0, err
    assert "daemon stopped" in err
    ids = [r[0] for r in _rows(tmp_path / "jobs.db", "SELECT id FROM apscheduler_jobs")]
    assert sorted(ids) == sorted(
        f"{o}-{k}"
        for o in ("moscowtimes", "pravda", "rbc", "sputnik", "unian")
        for k in ("feeds", "backfill")
    )


def test_a_stop_that_arrives_before_the_scheduler_exists_is_not_lost(tmp_path):
    """A signal between installing the handlers and starting the scheduler used to be lost,
    and the daemon then waited for ever: here the stop is already set when main() runs."""
    config = tmp_path / "schedule.toml"
    config.write_text(
        (REPO / "newswatch" / "schedule.toml")
        .read_text()
        .replace('jobs_db = "data/jobs.db"', f'jobs_db = "{tmp_path / "jobs.db"}"')
    )
    code = (
        "import sys\n"
        "from newswatch import daemon\n"
        "daemon._stopping.set()\n"
        f"sys.exit(daemon.main(['--config', {str(config)!r}, '--db', {str(tmp_path / 'd.db')!r},"
        " '--no-capture']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "daemon stopped" in result.stderr


def test_a_crawl_that_crashes_or_hangs_is_recorded_and_the_daemon_goes_on(tmp_path, mocker):
    from newswatch import daemon

    db = tmp_path / "c.db"
    run_newswatch("import", str(SEEDS), "--db", str(db))
    mocker.patch.object(
        daemon, "crawl_command", return_value=[sys.executable, "-c", "import time; time.sleep(30)"]
    )
    assert daemon.run_crawl("unian", "feeds", str(db), timeout_s=1) != 0
    mocker.patch.object(
        daemon, "crawl_command", return_value=[sys.executable, "-c", "raise SystemExit(3)"]
    )
    assert daemon.run_crawl("rbc", "feeds", str(db)) == 3
    rows = dict(_rows(db, "SELECT outlet, status FROM crawls"))
    assert rows["unian"].startswith("timeout") and rows["rbc"] == "exit 3"
    status = run_newswatch("status", "--db", str(db))
    assert "did not finish" in status.stdout


def test_golden_turns_captured_pages_into_goldens(tmp_path):
    result = run_newswatch("golden", str(DEMO_DIR / "unian"), str(tmp_path / "goldens"))
    assert result.returncode == 0, result.stderr
    goldens = sorted((tmp_path / "goldens" / "unian").glob("*.json"))
    assert len(goldens) == 6
    data = json.loads(goldens[0].read_text())
    assert data["title"] and data["first_paragraph"] and "review by hand" in data["notes"][0]
    assert goldens[0].with_suffix(".body.txt").exists()


def test_status_on_a_database_that_does_not_exist_fails(tmp_path):
    result = run_newswatch("status", "--db", str(tmp_path / "typo" / "newswatch.db"))
    assert result.returncode == 1 and "no database at" in result.stderr
    assert not (tmp_path / "typo").exists()


def test_retention_keeps_json_bodies_and_their_sidecars_together(tmp_path):
    retention = FixtureRetention(3)
    for n in range(5):
        _save_unian_page(tmp_path, n, retention, kind="api")
    files = sorted(p.name for p in (tmp_path / "unian" / "api").iterdir())
    assert len(files) == 6 and len(load_fixtures([tmp_path])) == 3


def test_retention_scans_its_folder_once_then_counts_in_memory(tmp_path, mocker):
    for n in range(4):  # an earlier crawl's fixtures, oldest first
        saved = _save_unian_page(tmp_path, n, FixtureRetention(10))
        os.utime(f"{saved}.json", ns=(n * 10**9, n * 10**9))
    retention = FixtureRetention(3)
    scans = mocker.spy(retention, "_scan")
    for n in [*range(4, 30), 27, 30]:  # 27 saved again: the newest then
        _save_unian_page(tmp_path, n, retention)
    assert scans.call_count == 1
    assert sorted(load_fixtures([tmp_path])) == [f"https://www.unian.ua/{n}" for n in (27, 29, 30)]
