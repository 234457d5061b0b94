"""`newswatch import`, `export` and `summary`, run as real processes on real files."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from conftest import REPO, SEEDS, run_newswatch


def _ids(db_path: Path) -> set[str]:
    with closing(sqlite3.connect(db_path)) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM articles")}


@contextmanager
def read_only(folder: Path, files_only: bool = False):
    """Make `folder` and its files unwritable (only its files: `files_only`), for root too
    (file modes do not bind root; the immutable attribute does)."""
    paths = [*folder.iterdir(), *([] if files_only else [folder])]
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", *map(str, paths)], check=True)
    else:
        for path in paths:
            path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        yield
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", *map(str, paths)], check=True)
        else:
            for path in paths:
                path.chmod(0o755 if path.is_dir() else 0o644)


SEED_IDS = {p.stem.split("_")[1] for p in SEEDS.glob("*.txt")}


def test_first_use_imports_the_seeds_and_summarises(db_path, tmp_path):
    given = tmp_path / "000_00000000000000e1.txt"
    given.write_text(" date 2026-01-10 The talks in Geneva went on for four hours.")
    imported = run_newswatch("import", str(given), "--db", str(db_path))
    assert "the new store first received the 5 seed documents" in imported.stdout
    result = run_newswatch("summary", "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert _ids(db_path) == SEED_IDS | {"00000000000000e1"}
    assert "articles:    6" in result.stdout
    assert "from 2025-02-12 to 2026-02-12" in result.stdout
    assert f"newswatch serve --db {db_path}" in result.stdout


def test_import_then_export_reproduces_every_seed_byte_for_byte(db_path, tmp_path):
    result = run_newswatch("import", str(SEEDS), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert "read 5 file(s)" in result.stdout
    out = tmp_path / "out"
    result = run_newswatch("export", str(out), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    exported = {p.stem.split("_")[1]: p for p in out.glob("*.txt")}
    assert set(exported) == SEED_IDS
    for seed in SEEDS.glob("*.txt"):
        assert exported[seed.stem.split("_")[1]].read_bytes() == seed.read_bytes()
    # Re-importing the same files changes nothing.
    again = run_newswatch("import", str(SEEDS), "--db", str(db_path))
    assert "0 new, 0 updated, 0 unchanged, 5 seed document(s)" in again.stdout  # counted apart


def test_a_header_with_an_impossible_date_survives_import_and_export(db_path, tmp_path):
    given = tmp_path / "in"
    given.mkdir()
    files = {
        "00000000000000d1": b" date 2026-02-30 Talks in Geneva went on for four hours.\n",
        "00000000000000d2": b" date 2031-05-01 A day in the future; the header stays.",
        "00000000000000d3": b" date 2026-11-19 A possible date, for comparison.",
    }
    for hex_id, data in files.items():
        (given / f"001_{hex_id}.txt").write_bytes(data)
    assert run_newswatch("import", str(given), "--db", str(db_path)).returncode == 0
    out = tmp_path / "out"
    result = run_newswatch("export", str(out), "--all", "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    exported = {p.stem.split("_")[1]: p.read_bytes() for p in out.glob("*.txt")}
    assert {hex_id: exported.get(hex_id) for hex_id in files} == files


def test_bad_files_are_refused_by_name_and_the_good_ones_land(db_path, tmp_path):
    run_newswatch("import", str(SEEDS), "--db", str(db_path))
    before = sqlite3.connect(db_path).execute("SELECT * FROM articles ORDER BY id").fetchall()
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "100_00000000000000a1.txt").write_text("No header, but fine text.")
    (batch / "101_00000000000000a2.txt").write_text(" date 2026-02-30 Impossible date, kept text.")
    (batch / "102_00000000000000a3.txt").write_bytes(b"")
    (batch / "103_00000000000000a4.txt").write_bytes(
        " date 2026-02-11 Рютте: переговори з Росією".encode("cp1251")
    )
    (batch / "no id here.txt").write_text("A file with no hex in its name.")
    (batch / "105_00000000000000a6.txt").write_bytes(b"\x00\x01binary")
    # A refused file whose id is already stored must not disturb the stored article.
    (batch / "106_80f9698f8040a783.txt").write_bytes(b"")

    result = run_newswatch("import", str(batch), "--db", str(db_path))
    assert result.returncode == 1  # something was refused
    assert f"refused: {batch / '102_00000000000000a3.txt'}: empty" in result.stderr
    assert f"refused: {batch / '105_00000000000000a6.txt'}: binary" in result.stderr
    assert f"refused: {batch / '106_80f9698f8040a783.txt'}: empty" in result.stderr
    assert "impossible date '2026-02-30'" in result.stderr
    assert "decoded as windows-1251" in result.stderr
    assert "no 16-hex id in the file name" in result.stderr
    assert "read 4 file(s); 4 new" in result.stdout and "3 refused" in result.stdout
    assert "Traceback" not in result.stderr

    conn = sqlite3.connect(db_path)
    rows = dict(conn.execute("SELECT id, text FROM articles"))
    assert rows["00000000000000a2"] == "Impossible date, kept text."
    assert conn.execute("SELECT date FROM articles WHERE id='00000000000000a2'").fetchone() == (
        None,
    )
    assert rows["00000000000000a4"] == "Рютте: переговори з Росією"
    assert conn.execute("SELECT language FROM articles WHERE id='00000000000000a4'").fetchone() == (
        "uk",
    )
    assert "00000000000000a3" not in rows and "00000000000000a6" not in rows
    stored_before = {r[0]: r for r in before}
    now = {r[0]: r for r in conn.execute("SELECT * FROM articles ORDER BY id")}
    for article_id, row in stored_before.items():
        assert now[article_id] == row  # untouched


def test_export_filters_numbers_and_never_overwrites(db_path, tmp_path):
    run_newswatch("import", str(SEEDS), "--db", str(db_path))
    out = tmp_path / "out"
    out.mkdir()
    (out / "041_ffffffffffffffff.txt").write_text("someone else's file")
    result = run_newswatch("export", str(out), "--since", "2026-01-01", "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "041_ffffffffffffffff.txt",
        "042_0128c8ceedb19eb7.txt",
        "043_80f9698f8040a783.txt",
    ]  # the two 2026 seeds, oldest first
    assert (out / "041_ffffffffffffffff.txt").read_text() == "someone else's file"
    again = run_newswatch("export", str(out), "--db", str(db_path))
    assert "wrote 3 file(s), 2 already there" in again.stdout
    assert len(list(out.iterdir())) == 6

    one = run_newswatch(
        "export", str(tmp_path / "mt"), "--outlet", "moscowtimes", "--db", str(db_path)
    )
    assert "wrote 1 file(s)" in one.stdout  # The Moscow Times' seed document, and no other
    (written,) = (tmp_path / "mt").iterdir()
    assert written.name.endswith("_ca8e71d551259f98.txt")  # seeds/004_..., The Moscow Times'
    bad = run_newswatch("export", str(out), "--since", "12/02/2026", "--db", str(db_path))
    assert bad.returncode == 1 and "not a date" in bad.stderr and "Traceback" not in bad.stderr


def test_export_help_says_how_exports_take_turns():
    """The export locks the folder itself and leaves no lock file in it (the test above finds
    none): its help must not name one."""
    result = run_newswatch("export", "--help")
    assert result.returncode == 0
    assert ".newswatch-export.lock" not in result.stdout
    assert "locks the folder" in " ".join(result.stdout.split())


def test_database_location_flag_environment_and_scrapy_setting(tmp_path):
    env_db = tmp_path / "env.db"
    result = run_newswatch("import", str(SEEDS), env={"NEWSWATCH_DB": str(env_db)}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert env_db.exists()
    flag_db = tmp_path / "flag.db"
    run_newswatch(
        "import", str(SEEDS), "--db", str(flag_db), env={"NEWSWATCH_DB": str(env_db)}, cwd=tmp_path
    )
    assert flag_db.exists()
    default = run_newswatch("import", str(SEEDS), cwd=tmp_path)
    assert default.returncode == 0 and (tmp_path / "data" / "newswatch.db").exists()

    from newswatch.runner import project_settings
    from newswatch.store import resolve_db_path

    settings = project_settings({"NEWSWATCH_DB": str(tmp_path / "s.db")})
    assert resolve_db_path(settings=settings) == tmp_path / "s.db"


@pytest.mark.parametrize("command", ["summary", "import", "export"])
def test_an_unusable_database_path_is_one_clear_line(tmp_path, command):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    args = {"summary": [], "import": [str(SEEDS)], "export": [str(tmp_path / "out")]}[command]
    result = run_newswatch(command, *args, "--db", str(blocker / "x.db"))
    assert result.returncode == 1
    reason = "cannot open the database" if command == "import" else "no database at"
    assert result.stderr.startswith(f"newswatch: {reason}")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_importing_into_a_read_only_database_is_one_clear_line(db_path, tmp_path):
    assert run_newswatch("import", str(SEEDS), "--db", str(db_path)).returncode == 0
    before = _count(db_path)
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "000_00000000000000c1.txt").write_text("A new article.")
    with read_only(db_path.parent):
        result = run_newswatch("import", str(tmp_path / "new"), "--db", str(db_path))
    assert result.returncode == 1, result.stdout
    assert "newswatch: cannot" in result.stderr and "Traceback" not in result.stderr
    assert _count(db_path) == before
    with closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def _count(db_path: Path) -> int:
    # Closed at once: an open reader would hold the WAL files that the test makes read-only.
    with closing(sqlite3.connect(db_path)) as conn:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]


def test_scrapy_project_loads():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "import" not in result.stdout.split()  # the import spider is no outlet


def test_extract_prints_one_json_object_for_a_saved_page(shared):
    import json

    page = shared / "fixtures/pravda/fundus_Pravda_2025_10_24_epravda_813313.html"
    url = (
        "https://epravda.com.ua/tehnologiji/"
        "yak-v-ukrajini-diyatimut-limiti-dlya-gravciv-azartnih-igor-813313/"
    )
    result = run_newswatch("extract", str(page), "--url", url)
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    article = json.loads(line)
    assert list(article) == [
        "id",
        "url",
        "canonical_url",
        "outlet",
        "language",
        "title",
        "lead",
        "text",
        "authors",
        "tags",
        "section",
        "published",
        "date",
        "image",
        "sources",
    ]
    assert article["title"] == "В Україні вперше встановлять ліміти для гравців азартних ігор"
    assert article["published"] == "2025-10-24T15:26:00+03:00"  # naive Kyiv time, summer offset
    assert article["outlet"] == "pravda" and article["language"] == "uk"
    assert article["sources"]["title"] == "json-ld"


@pytest.mark.parametrize("content", [None, b"\x00\x01\x02binary\x00", b""])
def test_extract_gives_one_line_for_a_file_it_cannot_read(tmp_path, content):
    path = tmp_path / "page.html"
    if content is not None:
        path.write_bytes(content)
    result = run_newswatch("extract", str(path), "--url", "https://www.unian.ua/x-12345678.html")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("newswatch: ")
    assert "Traceback" not in result.stderr


def test_extract_decodes_a_windows_1251_page(tmp_path):
    import json

    html = (
        '<html><head><meta charset="windows-1251"><title>Переговоры в Женеве</title></head>'
        "<body><h1>Переговоры в Женеве</h1><div class='article-text'><p>Россия и США "
        "провели переговоры о прекращении огня.</p></div></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_bytes(html.encode("cp1251"))
    result = run_newswatch("extract", str(path), "--url", "https://www.unian.net/x-12345678.html")
    article = json.loads(result.stdout)
    assert article["title"] == "Переговоры в Женеве" and article["language"] == "ru"
    assert article["text"] == "Россия и США провели переговоры о прекращении огня."


def _one_line_error(result: subprocess.CompletedProcess, *words: str) -> None:
    """A refusal: exit status 2, no traceback, the reason on stderr."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert all(word in result.stderr for word in words), result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("report", "--days", "0"), ("--days", "0")),
        (("report", "--days", "-3"), ("--days", "-3")),
        (("report", "--days", "1000000"), ("--days", "1000000")),
        (("report", "--out", "nodir/"), ("--out", "nodir/", "a folder")),
        (("status", "--last", "0"), ("--last", "0")),
        (("crawl", "--since", "0001-01-01"), ("--since", "before 1990")),
        (("crawl", "--since", "2026-13-01"), ("--since", "YYYY-MM-DD")),
    ],
)
def test_out_of_range_options_are_refused_in_one_line(db_path, tmp_path, args, words):
    result = run_newswatch(*args, "--db", str(db_path), cwd=tmp_path)
    _one_line_error(result, *words)
    assert not db_path.exists()  # refused before anything was opened or crawled


def test_report_creates_the_folder_it_writes_into(db_path, tmp_path):
    out = tmp_path / "reports" / "daily" / "coverage.html"
    run_newswatch("import", str(SEEDS), "--db", str(db_path))
    result = run_newswatch("report", "--db", str(db_path), "--out", str(out), "--days", "3650")
    assert result.returncode == 0, result.stderr
    assert "<svg" in out.read_text()
    assert "over 3650 days" in result.stdout


def test_scrapy_crawl_with_an_impossible_since_is_one_error_line(db_path):
    from conftest import crawl_mirrored

    db_path.parent.mkdir(parents=True)
    result, stats = crawl_mirrored(
        "unian", "http://127.0.0.1:9", db_path, "-a", "since=2026-13-01", LOG_LEVEL="ERROR"
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert "since='2026-13-01': expected a date, YYYY-MM-DD" in result.stderr
    assert stats["finish_reason"] == "bad_argument"
    assert stats.get("downloader/request_count", 0) == 0


def test_importing_the_seed_documents_by_hand_changes_nothing_stored(db_path, tmp_path):
    """A new store receives the seeds described (outlet, title from their text); the same
    files imported by hand are described the same way, so they are judged the same."""
    other = tmp_path / "900_00000000000000e1.txt"
    other.write_text(" date 2026-11-20 \nА hand-written note on the weather in Kyiv.\n")
    first = run_newswatch("import", str(other), "--db", str(db_path))  # the store is new
    assert first.returncode == 0, first.stderr
    query = (
        "SELECT id, title, outlet, relevance, on_topic FROM articles "
        "WHERE source_kind = 'seed' ORDER BY id"
    )
    with closing(sqlite3.connect(db_path)) as conn:
        seeded = conn.execute(query).fetchall()
    assert len(seeded) == 5 and all(title for _, title, *_ in seeded)
    again = run_newswatch("import", str(SEEDS), "--db", str(db_path))
    assert "0 new, 0 updated, 0 unchanged, 5 seed document(s)" in again.stdout, again.stdout
    with closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute(query).fetchall() == seeded
