"""A crawl and an import writing to one database at the same time, as two real processes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

from conftest import REPO
from support.writer_spider import command

COUNT = 800


def test_crawl_and_import_together_lose_nothing_and_corrupt_nothing(tmp_path):
    db_path = tmp_path / "shared.db"  # new: both processes race to create and migrate it
    batch = tmp_path / "batch"
    batch.mkdir()
    for n in range(COUNT):
        (batch / f"{n:03d}_{n:016x}.txt").write_text(f" date 2026-11-19 Стаття {n}.\n\nТекст {n}.")

    env = {k: v for k, v in os.environ.items() if k != "NEWSWATCH_DB"}
    crawl = subprocess.Popen(
        command(
            db_path,
            COUNT,
            pause="0.01",  # writes spread over 8 s, that the import's certainly fall among
            settings=("LOG_LEVEL=WARNING", "NEWSWATCH_STORE_BATCH=5"),
        ),
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    importer = subprocess.Popen(
        [sys.executable, "-m", "newswatch.cli", "import", str(batch), "--db", str(db_path)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    crawl_out, crawl_err = crawl.communicate(timeout=300)
    import_out, import_err = importer.communicate(timeout=300)

    assert crawl.returncode == 0, crawl_err
    assert importer.returncode == 0, import_err
    assert "ERROR" not in crawl_err and "locked" not in crawl_err + import_err
    assert f"read {COUNT} file(s); {COUNT} new" in import_out

    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 2 * COUNT + 5  # + seeds
    assert (
        conn.execute(
            "SELECT count(*) FROM articles WHERE url LIKE '%unian.ua/politics/writer-%'"
        ).fetchone()[0]
        == COUNT
    )
    # Each migration applied exactly once, though both processes found the database new.
    from sqlite_utils import Database

    from newswatch.store.migrations import migrations

    registered = len(migrations.pending(Database(memory=True)))
    assert conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == registered
    # The two writers really did interleave (otherwise this test would prove nothing).
    sources = [row[0] is None for row in conn.execute("SELECT url FROM articles ORDER BY rowid")]
    switches = sum(1 for a, b in zip(sources, sources[1:], strict=False) if a != b)
    assert switches > 2, "the crawl and the import did not overlap"
    # The search index holds every row exactly once.
    assert conn.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == 2 * COUNT + 5
    # FTS5's own integrity check raises if the index and the table disagree.
    conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES('integrity-check', 1)")
