"""Advisory locks that a dead process cannot hold: `fcntl.flock` on a lock file, released by
the kernel when the holder's last descriptor closes, however the holder ended (SIGKILL too).
The holder writes its pid into the file, so that a refusal can say who holds it."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ALREADY_RUNNING_EXIT = 75  # EX_TEMPFAIL, the exit status of a crawl refused its lock: try later


class LockBusy(Exception):
    """Another process holds the lock; `holder` is its pid when known."""

    def __init__(self, path: Path, holder: int | None):
        super().__init__(f"{path} is held by {f'pid {holder}' if holder else 'another process'}")
        self.path = path
        self.holder = holder


@contextmanager
def held_lock(path: Path, *, wait: bool) -> Iterator[None]:
    """Hold the lock at `path` for the block: a lock file (created, with its folder, when
    missing), or a folder itself (which then gets no file in it). With `wait`, wait for it;
    else raise LockBusy at once when another process holds it."""
    if path.is_dir():
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise LockBusy(path, None if path.is_dir() else _holder(fd)) from None
        if not path.is_dir():
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def _holder(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None
