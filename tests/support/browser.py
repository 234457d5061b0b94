"""`newswatch serve` on a free port of 127.0.0.1, and headless Chromium (Debian's `chromium`)
reading its pages: the DOM as the browser built it (--dump-dom), and screenshots."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(store: Path, cwd: Path = REPO) -> Iterator[str]:
    """`newswatch serve --db STORE`, started in `cwd`, until the block ends; yields its base
    URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "newswatch.cli", "serve", "--db", str(store), "--port", str(port)],
        cwd=cwd,
        stdout=subprocess.DEVNULL,  # a pipe nobody reads would stall the server's request log
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise AssertionError(f"serve did not start: {server.poll()}") from None
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


class Chromium:
    def __init__(self, executable: str, profile: Path):
        self.flags = [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
        ]

    def dom(self, url: str) -> str:
        result = subprocess.run(
            [*self.flags, "--dump-dom", url], capture_output=True, text=True, timeout=120
        )
        return result.stdout

    def screenshot(self, url: str, out: Path, size: str = "1280,1000") -> Path:
        out.unlink(missing_ok=True)
        subprocess.run(
            [*self.flags, f"--window-size={size}", f"--screenshot={out}", url],
            capture_output=True,
            timeout=120,
        )
        assert out.read_bytes()[:8] == PNG_SIGNATURE, f"no screenshot of {url}"
        return out


def chromium(profile: Path) -> Chromium:
    """Headless Chromium; its absence fails the test (CI installs Debian's package)."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("the browser tests need Debian's Chromium: `apt-get install chromium`")
    return Chromium(executable, profile)
