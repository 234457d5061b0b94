"""The SQLite store: schema on a fresh database, migrations of an older one, shape, search."""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database

from newswatch.items import ARTICLE_FIELDS, Article
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
    assert [m.name for m in migrations.applied(db)] == [
        "m001_create_articles",
        "m002_article_provenance",
        "m003_article_sources",
    ]
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


def test_an_older_database_upgrades_with_its_rows_intact(db_path):
    # A database as the first release wrote it: only m001, no index, no search.
    db_path.parent.mkdir(parents=True)
    old = Database(sqlite3.connect(db_path))
    migrations.apply(old, stop_before="m002_article_provenance")
    assert "first_seen" not in old["articles"].columns_dict
    old["articles"].insert_all(
        [
            {
                "id": f"{n:016x}",
                "text": f"Стаття {n} про переговори",
                "title": f"Заголовок {n}",
                "authors": '["Автор"]',
                "fetched_at": f"2026-01-0{n}T00:00:00+00:00",
            }
            for n in range(1, 4)
        ]
    )
    old.conn.commit()
    old.close()

    db = open_store(db_path)
    assert [m.name for m in migrations.pending(db)] == []
    rows = list(db["articles"].rows_where(order_by="id"))
    assert [r["title"] for r in rows] == ["Заголовок 1", "Заголовок 2", "Заголовок 3"]
    assert [r["first_seen"] for r in rows] == [r["fetched_at"] for r in rows]  # backfilled
    assert rows[0]["source_file"] is None and rows[0]["authors"] == '["Автор"]'
    assert len(list(db["articles"].search("переговори"))) == 3  # old rows are searchable
    # And a second open finds nothing left to do.
    db.close()
    db = open_store(db_path)
    assert len(migrations.applied(db)) == 3
    assert db["articles"].get("0000000000000001")["sources"] == "{}"


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
