"""Crawl workers, the writer and crawl jobs for the scale-out tests, as a user runs them.

Each process is the real `newswatch worker` / `newswatch writer` command in a subprocess (a
fresh reactor each), its environment stripped of NEWSWATCH_* and given NEWSWATCH_DB pointing
where a worker must never write (pass `db=` to name it and check it is never created).

    worker = start_worker(redis_url, "unian", "--replay", DEMO_DIR, "--idle-exit", "1")
    code, out, err = finish(worker)
    articles = pushed_articles(redis_url)

Workers and writers started without `--idle-exit` run until stopped: `stop(process)` sends
SIGTERM and waits; SIGKILL is `process.kill()`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Workers in tests look for jobs five times a second, not every second.
FAST_POLL = ("-s", "NEWSWATCH_WORKER_POLL_S=0.2")


def _env(db: Path | None, extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    if db is not None:
        env["NEWSWATCH_DB"] = str(db)
    env.update(extra or {})
    return env


def start_newswatch(
    *args: str | Path, db: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """`newswatch ARGS...` started in a subprocess (stdout and stderr piped, as text)."""
    return subprocess.Popen(
        [sys.executable, "-m", "newswatch.cli", *map(str, args)],
        cwd=REPO,
        env=_env(db, env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def start_worker(
    redis_url: str, *args: str | Path, db: Path | None = None, env: dict | None = None
) -> subprocess.Popen:
    """`newswatch worker --redis URL ARGS...`, polling fast; `db` is the NEWSWATCH_DB it is
    given (and must never create)."""
    return start_newswatch("worker", "--redis", redis_url, *FAST_POLL, *args, db=db, env=env)


def start_writer(redis_url: str, db: Path, *args: str | Path) -> subprocess.Popen:
    """`newswatch writer --redis URL --db DB ARGS...`."""
    return start_newswatch("writer", "--redis", redis_url, "--db", db, *args)


def finish(process: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    """Wait for `process` to end: (exit status, stdout, stderr). One still running after
    `timeout` seconds is killed and the test fails, showing what it wrote."""
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise AssertionError(f"still running after {timeout} s; stderr: {err[-3000:]}") from None
    return process.returncode, out, err


def stop(process: subprocess.Popen, timeout: float = 60) -> tuple[int, str, str]:
    """SIGTERM to `process`, then `finish` it."""
    process.send_signal(signal.SIGTERM)
    return finish(process, timeout)


def wait_for(condition: Callable[[], object], what: str, timeout: float = 60) -> object:
    """Poll `condition` until it gives something true; fail naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.05)
    raise AssertionError(f"not in {timeout} s: {what}")


def _client(redis_url: str):
    from newswatch.scaleout.client import connect

    return connect(redis_url)


def queued_messages(redis_url: str) -> list[dict]:
    """The messages waiting for the writer on `<p>:articles`, oldest first (left in place)."""
    client, keys = _client(redis_url)
    try:
        return [json.loads(m) for m in reversed(client.lrange(keys.articles, 0, -1))]
    finally:
        client.close()


def pushed_articles(redis_url: str) -> list[dict]:
    """The article messages waiting for the writer, oldest first."""
    return [m for m in queued_messages(redis_url) if m["kind"] == "article"]


def crawl_reports(redis_url: str) -> list[dict]:
    """The crawl reports waiting for the writer, oldest first."""
    return [m for m in queued_messages(redis_url) if m["kind"] == "crawl"]


def enqueue(redis_url: str, *outlets: str) -> None:
    """Queue a crawl job for each of `outlets`, as `newswatch enqueue` does."""
    from newswatch.scaleout.jobs import push_job

    client, keys = _client(redis_url)
    try:
        for outlet in outlets:
            push_job(client, keys, outlet)
    finally:
        client.close()
