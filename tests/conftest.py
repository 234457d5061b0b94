"""Shared test fixtures. Tests never touch the network; real pages come from ../shared by path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

# A real Redis server for the scale-out tests: redis_server_url, redis_url (tests/support).
pytest_plugins = ["support.redis_server"]

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSWATCH_SHARED", REPO.parent / "shared"))
SEEDS = REPO / "seeds"
# A fixed "now" for everything that judges dates, so that tests never depend on the clock.
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared, which CI places beside the clone. Missing is a failure, never a skip."""
    if not (SHARED / "fixtures").is_dir() or not (SHARED / "seeds").is_dir():
        pytest.fail(f"{SHARED} with fixtures/ and seeds/ is required beside the repository")
    return SHARED


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "test.db"


def run_newswatch(
    *args: str, env: dict | None = None, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run the `newswatch` command in a real subprocess (a fresh reactor each time)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "newswatch.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd or REPO,
        timeout=timeout,
    )


def _mirrored_crawl_command(outlet: str, mirror: str, db: Path, args, settings) -> tuple:
    stats_file = db.parent / f"{outlet}-{db.stem}-stats.json"
    stats_file.unlink(missing_ok=True)
    options = {
        "NEWSWATCH_MIRROR": mirror,
        "NEWSWATCH_DB": db,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "LOG_LEVEL": "WARNING",
        "STATS_DUMP_FILE": stats_file,
        **settings,
    }
    command = [sys.executable, "-m", "scrapy", "crawl", outlet, *args]
    for name, value in options.items():
        command += ["-s", f"{name}={value}"]
    return command, stats_file


def crawl_mirrored(outlet: str, mirror: str, db: Path, *args: str, **settings) -> tuple:
    """`scrapy crawl <outlet>` in a subprocess, every request fetched from the local server
    `mirror`, no politeness delays; returns the finished process and its final stats."""
    command, stats_file = _mirrored_crawl_command(outlet, mirror, db, args, settings)
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    return result, stats


def start_mirrored_crawl(outlet: str, mirror: str, db: Path, *args: str, **settings):
    """The same crawl as `crawl_mirrored`, started and not waited for (to be stopped on the
    way): the running process."""
    command, _ = _mirrored_crawl_command(outlet, mirror, db, args, settings)
    return subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> Path:
    """`newswatch demo` into a database named demo, as the README's quick start makes it; one
    per test session, for the tests that only read it."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    result = run_newswatch("demo", "--db", str(path))
    assert result.returncode == 0, result.stderr
    return path
