"""Reading files named by a user without hanging on them or leaving the folder given.

A FIFO, a socket or a device named where a file is expected would block a read for ever (a
FIFO nobody writes to) or never end (/dev/zero): only regular files are read, checked on the
opened descriptor (opened without blocking), so nothing can swap the file in between.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFDIR: "a folder",
}


class NotRegularFile(OSError):
    """The path names something other than a regular file; `strerror` says what."""


def read_regular_file(path: Path, limit: int = -1) -> bytes:
    """The bytes of the regular file at `path` (its first `limit` bytes when `limit` is not
    -1); NotRegularFile for anything else (an OSError, like every other reason a file cannot be
    read)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = _KINDS.get(stat.S_IFMT(mode), "not a file")
            raise NotRegularFile(0, f"not a regular file ({kind})", str(path))
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(limit)
    finally:
        os.close(fd)


def read_regular_text(path: Path, encoding: str) -> str:
    """The text of the regular file at `path`, as Path.read_text gives it (universal newlines);
    NotRegularFile for anything else."""
    return io.TextIOWrapper(io.BytesIO(read_regular_file(path)), encoding=encoding).read()


def outside_folder(path: Path, folder: Path) -> bool:
    """True when `path`, found below `folder`, leads out of it (through a symbolic link)."""
    return not path.resolve().is_relative_to(folder.resolve())
