"""A real Redis server on 127.0.0.1 for the scale-out tests (Debian's `redis-server`).

`.ci/run` starts one on a free port and names it in NEWSWATCH_TEST_REDIS; elsewhere a test
session starts its own (`redis-server` must be installed: `apt-get install redis-server`).
Either way each test gets a database of its own, emptied before it (`redis_url`), and can stop
and start a server of its own to see Redis go away (`RedisServer`)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """redis-server on 127.0.0.1:`port`, its files in `folder`, with append-only persistence
    (as the README recommends: the queues survive a restart)."""

    def __init__(self, folder: Path, port: int | None = None):
        self.folder = folder
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        executable = shutil.which("redis-server")
        if executable is None:
            pytest.fail(
                "the scale-out tests need Debian's redis-server: `apt-get install redis-server`"
            )
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                executable,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.folder),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--protected-mode",
                "yes",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        pytest.fail(f"redis-server did not answer on 127.0.0.1:{self.port}")

    def stop(self, kill: bool = False) -> None:
        if self.process is not None and self.process.poll() is None:
            (self.process.kill if kill else self.process.terminate)()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory) -> str:
    """The session's Redis server: CI's (NEWSWATCH_TEST_REDIS), else one started here."""
    if url := os.environ.get("NEWSWATCH_TEST_REDIS"):
        yield url
        return
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server.url
    finally:
        server.stop()


_next_db = iter(range(1, 16))


@pytest.fixture
def redis_url(redis_server_url: str) -> str:
    """A Redis database of this test's own on the session's server, emptied first (databases
    1..15 in turn; tests that run at once under xdist use servers of their own)."""
    import redis

    base = redis_server_url.rsplit("/", 1)[0]
    try:
        number = next(_next_db)
    except StopIteration:
        globals()["_next_db"] = iter(range(2, 16))
        number = 1
    url = f"{base}/{number}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url
