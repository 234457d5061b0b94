"""The commands as a user meets them: reading commands that never create a store, every error a
user can cause in one line (no traceback), an import that waits for no timer, and `newswatch
fixtures serve` feeding a crawl."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO, SEEDS, crawl_mirrored, run_newswatch

from newswatch.fixtures import load_fixtures

ONE_SEED = sorted(SEEDS.glob("*.txt"))[0]


def _one_line_error(result: subprocess.CompletedProcess) -> str:
    """The refusal a user should get: non-zero exit, exactly one line on stderr, no traceback."""
    assert result.returncode != 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.strip(), result.stderr
    return result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("summary",),
        ("status",),
        ("export", "out"),
        ("report", "--out", "report.html"),
        ("serve", "--port", "1"),
    ],
)
def test_a_reading_command_never_creates_a_database_or_its_folder(tmp_path, args):
    typo = tmp_path / "dta" / "newswatch.db"
    result = run_newswatch(*args, "--db", str(typo), cwd=tmp_path)
    assert "no database at" in _one_line_error(result)
    assert not typo.parent.exists()
    by_env = run_newswatch(*args, env={"NEWSWATCH_DB": str(typo)}, cwd=tmp_path)
    assert "no database at" in _one_line_error(by_env)
    default = run_newswatch(*args, cwd=tmp_path)  # data/newswatch.db in the current folder
    assert "no database at data/newswatch.db" in _one_line_error(default)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def desk(tmp_path_factory) -> Path:
    """A folder to run bad commands in: a store, a seed file, a folder, a file that is no
    database, a bad schedule."""
    folder = tmp_path_factory.mktemp("desk")
    result = run_newswatch("import", str(ONE_SEED), "--db", str(folder / "store.db"))
    assert result.returncode == 0, result.stderr
    (folder / "good.txt").write_bytes(ONE_SEED.read_bytes())
    (folder / "adir").mkdir()
    (folder / "notdb.db").write_text("not a database")
    (folder / "badtz.toml").write_text('timezone = "Mars/Base"\n')
    (folder / "broken.toml").write_text("x = [\n")
    (folder / "badcron.toml").write_text('[defaults]\nfeeds = "every hour"\n')
    return folder


BAD_INPUT = [
    # a store that is missing, a folder, or not a database
    ("summary", "--db", "adir"),
    ("summary", "--db", "notdb.db"),
    ("status", "--db", "adir"),
    ("status", "--db", "notdb.db"),
    ("export", "out", "--db", "notdb.db"),
    ("report", "--db", "missing.db"),
    ("rescore", "--db", "missing.db"),
    ("rescore", "--db", "notdb.db"),
    ("import", "good.txt", "--db", "adir"),
    ("import", "good.txt", "--db", "notdb.db"),
    ("import", "good.txt", "--db", "/proc/none/x.db"),
    ("demo", "--db", "adir"),
    ("schedule", "--once", "--db", "adir"),
    # files that are missing, folders, or not what they should be
    ("import", "missing.txt", "--db", "store.db"),
    ("export", "good.txt", "--db", "store.db"),
    ("export", "/proc/none", "--db", "store.db"),
    ("extract", "missing.html", "--url", "https://www.unian.ua/x.html"),
    ("extract", "adir", "--url", "https://www.unian.ua/x.html"),
    ("classify", "missing.txt"),
    ("classify", "good.txt", "--topic", "missing.toml"),
    ("classify", "good.txt", "--topic", "good.txt"),
    ("golden", "missing", "out"),
    ("golden", "adir", "good.txt"),
    ("crawl", "--replay", "missing", "--db", "x.db"),
    ("crawl", "unian", "--capture", "good.txt", "--db", "x.db"),
    ("topic", "fit", "missing.toml", "--labels", "x.jsonl"),
    ("topic", "weights", "missing.toml"),
    ("schedule", "--config", "missing.toml", "--once"),
    ("schedule", "--config", "adir", "--once"),
    ("schedule", "--config", "badtz.toml", "--once"),
    ("schedule", "--config", "broken.toml", "--once"),
    ("schedule", "--config", "badcron.toml", "--db", "x.db"),
    # bad dates, numbers, ports, addresses and unwritable outputs
    ("export", "out", "--since", "2026-13-01", "--db", "store.db"),
    ("crawl", "--since", "2026-13-01", "--db", "x.db"),
    ("crawl", "nosuch", "--db", "x.db"),
    ("report", "--db", "store.db", "--out", "adir"),
    ("report", "--db", "store.db", "--out", "/proc/none/r.html"),
    ("probe", "unian", "--out", "/proc/none"),
    ("crawl", "unian", "--capture", "/proc/none", "--db", "x.db"),
    ("golden", "adir", "/proc/none"),
    ("report", "--db", "store.db", "--days", "0"),
    ("status", "--db", "store.db", "--last", "0"),
    ("serve", "--db", "store.db", "--port", "99999"),
    ("serve", "--db", "store.db", "--port", "http"),
    ("serve", "--db", "store.db", "--host", "256.1.1.1", "--port", "8799"),
    ("fixtures", "serve", "missing"),
    ("fixtures", "serve", "adir"),
    ("fixtures", "serve", str(REPO / "newswatch" / "demo"), "--port", "70000"),
    ("probe", "nosuch"),
    ("probe", "unian", "--limit", "0"),
    ("probe", "unian", "-s", "NOEQUALS"),
    ("schedule", "--bogus"),
    ("import",),
    ("nosuch",),
]


@pytest.mark.parametrize("args", BAD_INPUT, ids=" ".join)
def test_every_error_a_user_can_cause_is_one_line(desk, args):
    _one_line_error(run_newswatch(*args, cwd=desk, timeout=60))
    assert not (desk / "x.db").exists() and not (desk / "missing.db").exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("nosuch",), "no spider 'nosuch'; the spiders are moscowtimes, pravda"),
        (("unian", "-a", "foo=bar"), "unknown argument -a foo="),
        (("unian", "-a", "since=2026-13-01"), "since='2026-13-01': expected a date"),
        (("unian", "-s", "NEWSWATCH_DB=/proc/none/x.db"), "cannot open the database"),
        (("unian", "-s", "NEWSWATCH_DB=adir"), "cannot open the database"),
    ],
)
def test_scrapy_crawl_refuses_in_one_line(desk, args, words):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    env["NEWSWATCH_DB"] = str(desk / "scrapy.db")
    command = [sys.executable, "-m", "scrapy", "crawl", *args, "-s", "LOG_LEVEL=ERROR"]
    command += ["-s", "NEWSWATCH_MIRROR=http://127.0.0.1:9"]  # nothing may be fetched anyway
    env["SCRAPY_SETTINGS_MODULE"] = "newswatch.settings"
    result = subprocess.run(command, cwd=desk, env=env, capture_output=True, text=True, timeout=60)
    assert words in _one_line_error(result)


def test_an_import_waits_for_no_timer(tmp_path):
    """Scrapy's engine looks whether a crawl is over at each response and at a 5-second
    heartbeat; the store writes a batch when it is full or after NEWSWATCH_STORE_BATCH_S. With
    both set to ten minutes, an import of files (no response at all) still ends at once: it
    ends when its own items are stored, not when a timer fires."""
    program = (
        "import sys\n"
        "from scrapy.core.engine import ExecutionEngine\n"
        "import newswatch.settings\n"
        "ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = 600.0\n"
        "newswatch.settings.NEWSWATCH_STORE_BATCH_S = 600.0\n"
        "from newswatch.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    db = tmp_path / "import.db"
    many = tmp_path / "many"  # many store batches (25 articles each)
    many.mkdir()
    for n in range(300):
        (many / f"{n:03}_{n + 1:016x}.txt").write_text(
            f" date 2026-01-10 Round {n} of talks between Russia and the United States in "
            f"Geneva lasted {n + 2} hours, the delegations of both sides said on day {n}."
        )
    # A new store (the seeds first), then one file into it, then three hundred.
    for files, read in (([SEEDS], 5), ([ONE_SEED], 1), ([many], 300)):
        result = subprocess.run(
            [sys.executable, "-c", program, "import", *map(str, files), "--db", str(db)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert f"read {read} file(s)" in result.stdout


def test_fixtures_serve_feeds_a_mirrored_crawl_and_stops_on_sigterm(tmp_path):
    demo = REPO / "newswatch" / "demo"
    server = subprocess.Popen(
        [sys.executable, "-m", "newswatch.cli", "fixtures", "serve", str(demo), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        count = len(load_fixtures([demo]))
        assert server.stdout.readline().startswith(f"serving {count} fixtures from {demo} at ")
        mirror = server.stdout.readline().strip().removeprefix("NEWSWATCH_MIRROR=")
        assert mirror.startswith("http://127.0.0.1:") and not mirror.endswith(":0")
        with urllib.request.urlopen(f"{mirror}/rss.unian.net/site/news_ukr.rss") as response:
            assert response.status == 200 and b"<rss" in response.read()
        db = tmp_path / "mirrored.db"
        result, stats = crawl_mirrored("unian", mirror, db)
        assert result.returncode == 0, result.stderr
        assert stats["newswatch/store/new"] >= 3 and not stats.get("newswatch/replay/miss")
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=10)
    assert server.returncode == 0, stderr
    assert "Traceback" not in stderr
