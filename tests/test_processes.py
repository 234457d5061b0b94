"""Nothing hung, nothing leaked, nothing twice: special files and links given to `import`,
signals, concurrent exports, one crawl per outlet at a time, the daemon run from any folder, and
Datasette's bounds. Real processes throughout."""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from conftest import SEEDS, run_newswatch


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
