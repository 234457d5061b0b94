"""Nothing hung, nothing leaked, nothing twice: special files and links given to `import`,
signals, concurrent exports, one crawl per outlet at a time, the daemon run from any folder, and
Datasette's bounds. Real processes throughout."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

from conftest import REPO, SEEDS, run_newswatch


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


def test_two_concurrent_exports_into_one_folder_write_each_article_once(db_path, tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    for n in range(300):
        (articles / f"{n:03d}_{n + 1:016x}.txt").write_text(
            f" date 2026-11-{n % 20 + 1:02d} Article number {n} of a generated batch, "
            f"written for this test only; its own words: {' '.join(str(n * k) for k in range(40))}"
        )
    result = run_newswatch("import", str(articles), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    stored = len(_ids(db_path))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "newswatch.cli", "export", str(out), "--all"]
    exports = [
        subprocess.Popen([*command, "--db", str(db_path)], cwd=REPO, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for export in exports:
        _, err = export.communicate(timeout=120)
        assert export.returncode == 0, err
    files = sorted(p.name for p in out.glob("*.txt"))
    assert len(files) == stored
    assert len({name.split("_")[1] for name in files}) == stored
