"""Waiting for a line in the output of a process the test started."""

from __future__ import annotations

import os
import select
import subprocess
import time

import pytest


def wait_for_line(process: subprocess.Popen, text: str, timeout: float = 60) -> str:
    """Read the process's stderr until a line holds `text`, and return that line; fail after
    `timeout` seconds, or when the process ends first.

    It reads the pipe's descriptor itself: a buffered readline() can take in two lines at once,
    and select() then waits on an empty pipe for the line already in the buffer. What came
    after the line in the same read is dropped: wait only for lines that come one after the
    other, and read what follows with communicate()."""
    deadline = time.monotonic() + timeout
    descriptor = process.stderr.fileno()
    seen = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([descriptor], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = os.read(descriptor, 65536)
        if not chunk:  # the process ended
            break
        seen += chunk
        for line in seen.decode("utf-8", "replace").splitlines():
            if text in line:
                return line
    pytest.fail(f"no line with {text!r} in time; stderr so far: {seen.decode()[-2000:]}")
