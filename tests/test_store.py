"""The SQLite store: schema on a fresh database, migrations of an older one, shape, search."""

from __future__ import annotations

import sqlite3

from conftest import NOW
from sqlite_utils import Database

from newswatch.items import ARTICLE_FIELDS, Article
from newswatch.pipelines.normalise import normalise_article
from newswatch.store import ensure_db_shape, iter_articles, open_store, save_article
from newswatch.store.migrations import migrations

SEEN = "2026-11-22T12:00:00+00:00"


def test_fresh_database_has_the_documented_schema(db_path):
    db = open_store(db_path)
    columns = db["articles"].columns_dict
    assert set(ARTICLE_FIELDS) <= set(columns)
    assert "first_seen" in columns
    assert db["articles"].pks == ["id"]
    indexed = {tuple(i.columns) for i in db["articles"].indexes}
    assert {("outlet",), ("date",), ("published",)} <= indexed
    assert db["articles"].detect_fts() == "articles_fts"
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    applied = [m.name for m in migrations.applied(db)]
    assert applied[:3] == [
        "m001_create_articles",
        "m002_article_provenance",
        "m003_article_sources",
    ]
    assert applied == [m.name for m in migrations.pending(Database(memory=True))]
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_lists_are_stored_as_json_arrays_and_read_back(db_path):
    db = open_store(db_path)
    article = Article(
        id="00000000000000a1", text="x", authors=["Дарина Вялко", "A. B."], tags=["NATO", "Росія"]
    )
    save_article(db, article, SEEN)
    raw = db.execute("SELECT authors, tags FROM articles").fetchone()
    assert raw == ('["Дарина Вялко", "A. B."]', '["NATO", "Росія"]')
    (back,) = iter_articles(db)
    assert back.authors == article.authors and back.tags == article.tags


def test_full_text_search_finds_cyrillic_words_in_any_letter_case(db_path):
    db = open_store(db_path)
    save_article(
        db,
        Article(
            id="00000000000000b1",
            title="Рютте про контакти з Росією",
            text="Макрон запропонував відновити ДІАЛОГ з Москвою.",
        ),
        SEEN,
    )
    save_article(db, Article(id="00000000000000b2", title="Погода", text="Сонячно."), SEEN)
    for query in ("РОСІЄЮ", "росією", "діалог", "МАКРОН", "рютте"):
        assert [r["id"] for r in db["articles"].search(query)] == ["00000000000000b1"], query


def test_search_index_follows_updates(db_path):
    db = open_store(db_path)
    save_article(db, Article(id="00000000000000c1", text="Переговори у Женеві."), SEEN)
    assert (
        save_article(db, Article(id="00000000000000c1", text="Переговори в Ер-Ріяді."), SEEN)
        == "updated"
    )
    assert [r["id"] for r in db["articles"].search("ріяді")] == ["00000000000000c1"]
    assert list(db["articles"].search("женеві")) == []


def test_save_reports_new_unchanged_updated_and_keeps_known_fields(db_path):
    db = open_store(db_path)
    first = Article(
        id="00000000000000d1",
        title="T",
        text="Body.",
        outlet="unian",
        authors=["A"],
        fetched_at="2026-11-20T10:00:00+00:00",
    )
    assert save_article(db, first, SEEN) == "new"
    again = Article(
        id="00000000000000d1",
        title="T",
        text="Body.",
        outlet="unian",
        authors=["A"],
        fetched_at="2026-11-21T10:00:00+00:00",
    )
    assert save_article(db, again, "later") == "unchanged"
    # A later copy that knows less (no authors, no outlet) keeps what the store knew.
    edited = Article(id="00000000000000d1", title="T2", text="Body, edited.")
    assert save_article(db, edited, "later") == "updated"
    row = db["articles"].get("00000000000000d1")
    assert (row["title"], row["text"], row["outlet"], row["authors"]) == (
        "T2",
        "Body, edited.",
        "unian",
        '["A"]',
    )
    assert row["first_seen"] == SEEN


def test_ensure_db_shape_is_idempotent_and_repairs(db_path):
    db = open_store(db_path)
    save_article(db, Article(id="00000000000000e1", text="Лавров і Рубіо"), SEEN)
    assert ensure_db_shape(db) == []
    changes_before = db.conn.total_changes
    assert ensure_db_shape(db) == []
    assert db.conn.total_changes == changes_before  # in shape: nothing written
    db.execute("DROP INDEX idx_articles_outlet")
    db.execute("DROP TABLE articles_fts")
    db.conn.commit()
    rebuilt = ensure_db_shape(db)
    assert "idx_articles_outlet" in rebuilt and "articles_fts" in rebuilt
    assert [r["id"] for r in db["articles"].search("рубіо")] == ["00000000000000e1"]
    assert {t.name for t in db["articles"].triggers} == {
        "articles_ai",
        "articles_ad",
        "articles_au",
    }


# The schema of the first release, frozen here as it shipped: if a shipped migration is ever
# edited, this database no longer matches what the migrations expect and the test fails.
FIRST_RELEASE_SQL = """
CREATE TABLE "articles" (
   "id" TEXT PRIMARY KEY, "url" TEXT, "canonical_url" TEXT, "outlet" TEXT, "language" TEXT,
   "title" TEXT, "lead" TEXT, "text" TEXT NOT NULL, "authors" TEXT DEFAULT '[]',
   "tags" TEXT DEFAULT '[]', "section" TEXT, "published" TEXT, "published_raw" TEXT,
   "date" TEXT, "modified" TEXT, "image" TEXT, "fetched_at" TEXT
);
CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY, "migration_set" TEXT, "name" TEXT, "applied_at" TEXT
);
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
INSERT INTO _sqlite_migrations (migration_set, name, applied_at)
    VALUES ('newswatch', 'm001_create_articles', '2026-11-01 00:00:00+00:00');
"""


def test_an_older_database_upgrades_with_its_rows_intact(db_path):
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    conn.executescript(FIRST_RELEASE_SQL)
    conn.executemany(
        "INSERT INTO articles (id, text, title, authors, fetched_at) VALUES (?, ?, ?, ?, ?)",
        [
            (
                f"{n:016x}",
                f"Стаття {n} про переговори",
                f"Заголовок {n}",
                '["Автор"]',
                f"2026-01-0{n}T00:00:00+00:00",
            )
            for n in range(1, 4)
        ],
    )
    conn.commit()
    conn.close()

    db = open_store(db_path)
    assert [m.name for m in migrations.pending(db)] == []
    rows = list(db["articles"].rows_where(order_by="id"))
    assert [r["title"] for r in rows] == ["Заголовок 1", "Заголовок 2", "Заголовок 3"]
    assert [r["first_seen"] for r in rows] == [r["fetched_at"] for r in rows]  # backfilled
    assert rows[0]["source_file"] is None and rows[0]["authors"] == '["Автор"]'
    assert rows[0]["sources"] == "{}"
    assert len(list(db["articles"].search("переговори"))) == 3  # old rows are searchable
    # ...and fingerprinted and linked, so that later articles are compared with them.
    assert db["article_fingerprints"].count == 3
    assert all(r["story_id"] and r["content_hash"] for r in db["articles"].rows)
    db.close()
    db = open_store(db_path)  # a second open finds nothing left to do
    assert len(migrations.applied(db)) == len(migrations.pending(Database(memory=True)))


def test_a_seed_file_never_overwrites_a_crawled_article(db_path):
    db = open_store(db_path)
    crawled = Article(
        id="00000000000000f1",
        url="https://www.unian.ua/x-1.html",
        title="T",
        lead="L",
        text="Body.",
    )
    save_article(db, crawled, SEEN)
    from newswatch.seedfile import article_seed_text, parse_seed_text

    exported = parse_seed_text(article_seed_text(crawled))  # as export writes it, read back
    seed = Article(
        id="00000000000000f1", text=exported.body, source_file="000_00000000000000f1.txt"
    )
    assert save_article(db, seed, SEEN) == "unchanged"
    row = db["articles"].get("00000000000000f1")
    assert (row["title"], row["lead"], row["text"], row["source_file"]) == ("T", "L", "Body.", None)


def test_a_failed_commit_leaves_no_transaction_open(db_path, mocker):
    from newswatch.store import write_transaction

    db = open_store(db_path)
    real = db.conn

    class FailingCommit:
        def __getattr__(self, name):
            return getattr(real, name)

        def execute(self, sql, *args):
            if sql == "COMMIT":
                raise sqlite3.OperationalError("disk I/O error")
            return real.execute(sql, *args)

    db.conn = FailingCommit()
    try:
        with write_transaction(db):
            db.execute("INSERT INTO articles (id, text) VALUES ('00000000000000f2', 'x')")
    except sqlite3.OperationalError:
        pass
    db.conn = real
    assert not real.in_transaction
    assert save_article(db, Article(id="00000000000000f3", text="y"), SEEN) == "new"
    assert db["articles"].count == 1


def test_db_path_resolution(monkeypatch, tmp_path):
    from newswatch.store import resolve_db_path

    monkeypatch.delenv("NEWSWATCH_DB", raising=False)
    assert str(resolve_db_path()) == "data/newswatch.db"
    monkeypatch.setenv("NEWSWATCH_DB", str(tmp_path / "env.db"))
    assert resolve_db_path() == tmp_path / "env.db"
    assert resolve_db_path(settings={"NEWSWATCH_DB": "setting.db"}).name == "setting.db"
    assert resolve_db_path("flag.db", {"NEWSWATCH_DB": "setting.db"}).name == "flag.db"


def test_unwritable_location_gives_a_clear_error(tmp_path):
    import pytest

    from newswatch.store import StoreError

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot open the database"):
        open_store(blocker / "sub" / "x.db")


def test_a_full_disk_stops_the_crawl_with_one_clear_error_and_no_half_written_row(db_path):
    import asyncio

    import pytest
    from scrapy.exceptions import DropItem
    from scrapy.utils.test import get_crawler

    from newswatch.pipelines import StorePipeline

    crawler = get_crawler()
    pipeline = StorePipeline(db_path, crawler.stats, crawler)
    pipeline.open_spider()
    pages = pipeline.db.execute("PRAGMA page_count").fetchone()[0]
    pipeline.db.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full from now on
    big = Article(id="00000000000000ff", title="Повна", text="слово " * 50_000)
    with pytest.raises(DropItem, match="not stored"):
        asyncio.run(pipeline.process_item(big))
    stats = crawler.stats.get_stats()
    assert stats["newswatch/store/errors"] == 1
    assert "database or disk is full" in stats["newswatch/store/error"]
    pipeline.close_spider()
    db = open_store(db_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db["articles"].count == 0 and db["article_fingerprints"].count == 0


# 12:48Z written with a +02:00 offset sorts after 14:26Z as a string; in UTC it is earlier.
EARLIER_IN_UTC = "2026-11-21T14:48:00+02:00"
LATER_IN_UTC = "2026-11-21T14:26:00+00:00"


def test_articles_sort_by_utc_time_across_utc_offsets(db_path):
    db = open_store(db_path)
    for n, published in enumerate((LATER_IN_UTC, EARLIER_IN_UTC)):
        save_article(
            db, Article(id=f"00000000000000c{n}", text=f"Текст {n}", published=published), SEEN
        )
    stored = dict(db.execute("SELECT published, published_utc FROM articles"))
    assert stored == {EARLIER_IN_UTC: "2026-11-21 12:48:00", LATER_IN_UTC: "2026-11-21 14:26:00"}
    assert [a.published for a in iter_articles(db)] == [EARLIER_IN_UTC, LATER_IN_UTC]
    updated = Article(id="00000000000000c0", text="Текст 0", published="2026-11-21T18:00:00+03:00")
    assert save_article(db, updated, SEEN) == "updated"
    assert db.execute(
        "SELECT published_utc FROM articles WHERE id = '00000000000000c0'"
    ).fetchone() == ("2026-11-21 15:00:00",)  # kept in step on an update


def test_the_utc_column_is_filled_for_articles_stored_before_it(db_path):
    db_path.parent.mkdir(parents=True)
    older = Database(db_path)
    migrations.apply(older, stop_before="m012_published_utc")
    older.execute(
        "INSERT INTO articles (id, text, published) VALUES ('00000000000000d1', 'x', ?)",
        [EARLIER_IN_UTC],
    )
    older.conn.commit()
    older.close()
    db = open_store(db_path)
    assert db.execute("SELECT published_utc FROM articles").fetchone() == ("2026-11-21 12:48:00",)
    assert ("published_utc",) in {tuple(i.columns) for i in db["articles"].indexes}


def test_text_stored_before_cleaning_existed_is_cleaned_on_upgrade(db_path):
    """A title with U+0001 stored by an older version broke the Atom feed: the migration that
    cleans stored text removes it, once."""
    db = open_store(db_path)
    article = Article(
        url="https://www.unian.ua/politics/old-13999990.html", title="Старий", text="Т."
    )
    normalise_article(article, NOW)
    save_article(db, article, NOW.isoformat())
    db.execute(
        "UPDATE articles SET title = ?, text = ? WHERE id = ?",
        ["Старий\x01 заголовок", "Текст\x0c статті.", article.id],
    )
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm013_clean_stored_text'")
    db.conn.commit()
    db.close()
    db = open_store(db_path)
    row = db["articles"].get(article.id)
    assert (row["title"], row["text"]) == ("Старий заголовок", "Текст статті.")
    assert [m.name for m in migrations.pending(db)] == []
    db.close()
