"""`ensure_db_shape`: the derived objects of the schema, (re)created idempotently.

Tables and columns hold data and belong to the migrations; everything here can be rebuilt from
them at any time: the FTS5 index over articles and the triggers that keep it current, and the
indexes that the common queries use. Each object is compared with its definition by its SQL, and
only a missing or changed one is (re)built, so opening a database that is in shape writes
nothing and takes no lock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlite_utils import Database

from newswatch.store.connection import write_transaction
from newswatch.store.definitions import news, on_topic_article

# `stems` holds every word's stem (newswatch.search), so that search finds all grammatical cases.
FTS_COLUMNS = ("title", "lead", "text", "stems")
# unicode61 folds letter case for Cyrillic as well as Latin (Росії matches росії and РОСІЇ),
# and remove_diacritics 2 folds accents on Latin letters (Sánchez matches Sanchez).
FTS_TOKENIZE = "unicode61 remove_diacritics 2"


@dataclass(frozen=True)
class DerivedObject:
    kind: str  # table | trigger | index
    name: str
    sql: str


def _fts_objects(table: str) -> list[DerivedObject]:
    cols = ", ".join(f"[{c}]" for c in FTS_COLUMNS)
    old = ", ".join(f"old.[{c}]" for c in FTS_COLUMNS)
    new = ", ".join(f"new.[{c}]" for c in FTS_COLUMNS)
    fts = f"{table}_fts"
    # Names and shape follow sqlite-utils' enable_fts(), so `sqlite-utils search` and Datasette
    # recognise the index; it is written out here because enable_fts() uses executescript(),
    # which commits, and this must run inside one transaction.
    return [
        DerivedObject(
            "table",
            fts,
            f"CREATE VIRTUAL TABLE [{fts}] USING FTS5 ({cols}, "
            f"tokenize='{FTS_TOKENIZE}', content=[{table}])",
        ),
        DerivedObject(
            "trigger",
            f"{table}_ai",
            f"CREATE TRIGGER [{table}_ai] AFTER INSERT ON [{table}] BEGIN "
            f"INSERT INTO [{fts}] (rowid, {cols}) VALUES (new.rowid, {new}); END",
        ),
        DerivedObject(
            "trigger",
            f"{table}_ad",
            f"CREATE TRIGGER [{table}_ad] AFTER DELETE ON [{table}] BEGIN "
            f"INSERT INTO [{fts}] ([{fts}], rowid, {cols}) "
            f"VALUES('delete', old.rowid, {old}); END",
        ),
        DerivedObject(
            "trigger",
            f"{table}_au",
            f"CREATE TRIGGER [{table}_au] AFTER UPDATE ON [{table}] BEGIN "
            f"INSERT INTO [{fts}] ([{fts}], rowid, {cols}) "
            f"VALUES('delete', old.rowid, {old}); "
            f"INSERT INTO [{fts}] (rowid, {cols}) VALUES (new.rowid, {new}); END",
        ),
    ]


def _index(table: str, *columns: str, where: str = "", name: str = "") -> DerivedObject:
    """An index on `columns` of `table`; with `where`, a partial one (of the rows it holds)."""
    name = name or f"idx_{table}_{'_'.join(columns)}"
    cols = ", ".join(f"[{c}]" for c in columns)
    partial = f" WHERE {where}" if where else ""
    return DerivedObject("index", name, f"CREATE INDEX [{name}] ON [{table}] ({cols}){partial}")


FTS_OBJECTS: list[DerivedObject] = _fts_objects("articles")
INDEXES: list[DerivedObject] = [
    _index("articles", "outlet"),
    _index("articles", "date"),
    _index("articles", "published"),
    _index("articles", "published_utc"),
    _index("articles", "canonical_url"),
    _index("articles", "first_seen"),
    _index("articles", "on_topic"),
    _index("crawls", "outlet", "started"),
    _index("pending", "outlet"),
    _index("articles", "article_key"),
    _index("articles", "content_hash"),
    _index("articles", "duplicate_of"),
    _index("articles", "story_id"),
    _index("minhash_bands", "band", "bucket"),
    _index("story_anchors", "article_id"),
    _index("minhash_bands", "article_id"),
    _index("edition_keys", "key", "own"),
    _index("edition_keys", "article_id"),
    _index("article_fingerprints", "title_key"),
    # The two lookups of story linking (newswatch.store.stories), answered from the index
    # alone: an article's row, its long text included, is not read. The story of each stored
    # original sharing a feature (_candidate_stories); a story's dated originals, first
    # published first (_reports), the first MAX_REPORTS read instead of all of them sorted.
    # Only originals are held (dated ones in the second), so only queries that ask for
    # originals can use them, and no other query's plan (nor the order of its rows) changes.
    # `duplicate_of` is in both, always NULL, so that SQLite sees they hold every column used.
    _index(
        "articles",
        "id",
        "duplicate_of",
        "story_id",
        where="[duplicate_of] IS NULL",
        name="idx_articles_original_story",
    ),
    _index(
        "articles",
        "story_id",
        "date",
        "first_seen",
        "id",
        "language",
        "duplicate_of",
        where="[duplicate_of] IS NULL AND [date] IS NOT NULL",
        name="idx_articles_story_reports",
    ),
]
VIEWS: list[DerivedObject] = [
    # On-topic articles (definitions.on_topic_article: copies left out), each with the number
    # of copies folded into it.
    DerivedObject(
        "view",
        "on_topic_articles",
        "CREATE VIEW [on_topic_articles] AS SELECT a.*, (SELECT count(*) FROM [articles] d "
        "WHERE d.[duplicate_of] = a.[id]) AS [copies] FROM [articles] a "
        f"WHERE {on_topic_article('a')}",
    ),
    # Each story: its outlets and languages, how many articles, first and last publication
    # (in UTC), the headline of its first article, whether it is on the topic, and `joined`:
    # when newswatch first saw its latest outlet or language (seed documents left out).
    DerivedObject(
        "view",
        "stories",
        "CREATE VIEW [stories] AS SELECT a.[story_id], "
        "(SELECT f.[title] FROM [articles] f WHERE f.[id] = a.[story_id]) AS [title], "
        "count(*) AS [articles], sum(a.[duplicate_of] IS NOT NULL) AS [duplicates], "
        "group_concat(DISTINCT a.[outlet]) AS [outlets], "
        "group_concat(DISTINCT a.[language]) AS [languages], "
        "min(a.[published_utc]) AS [first_published], "
        "max(a.[published_utc]) AS [last_published], "
        f"max(CASE WHEN {on_topic_article('a')} THEN 1 ELSE 0 END) AS [on_topic], "
        "(SELECT max([since]) FROM ("
        "SELECT min(j.[first_seen]) AS [since] FROM [articles] j "
        f"WHERE j.[story_id] = a.[story_id] AND {news('j')} GROUP BY j.[outlet] UNION ALL "
        "SELECT min(j.[first_seen]) FROM [articles] j "
        f"WHERE j.[story_id] = a.[story_id] AND {news('j')} GROUP BY j.[language])) "
        "AS [joined] "
        "FROM [articles] a WHERE a.[story_id] IS NOT NULL GROUP BY a.[story_id]",
    ),
    # The on-topic stories (definitions): an on-topic article among them, and news (`joined`).
    DerivedObject(
        "view",
        "on_topic_stories",
        "CREATE VIEW [on_topic_stories] AS SELECT * FROM [stories] "
        "WHERE [on_topic] = 1 AND [joined] IS NOT NULL",
    ),
]


def _squash(sql: str | None) -> str:
    return re.sub(r"\s+", " ", sql or "").strip()


def _out_of_shape(db: Database, objects: list[DerivedObject]) -> list[DerivedObject]:
    present = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"))
    return [obj for obj in objects if _squash(present.get(obj.name)) != _squash(obj.sql)]


def _recreate(db: Database, objects: list[DerivedObject]) -> None:
    for obj in objects:
        db.execute(f"DROP {obj.kind.upper()} IF EXISTS [{obj.name}]")
    for obj in objects:
        db.execute(obj.sql)


def ensure_db_shape(db: Database) -> list[str]:
    """Create or re-create every derived object that is missing or differs from its definition;
    return the names of those (re)built. Idempotent and safe to run from several processes.

    The full-text index is one unit: if its table or any trigger is off, all four are re-created
    and the index rebuilt from `articles`, so no row written meanwhile is left unindexed."""
    everything = FTS_OBJECTS + INDEXES + VIEWS
    if not _out_of_shape(db, everything):
        return []
    with write_transaction(db):
        rebuilt: list[str] = []
        if _out_of_shape(db, FTS_OBJECTS):  # checked again under the lock
            _recreate(db, FTS_OBJECTS)
            db.execute("INSERT INTO [articles_fts]([articles_fts]) VALUES('rebuild')")
            rebuilt += [obj.name for obj in FTS_OBJECTS]
        for obj in _out_of_shape(db, INDEXES + VIEWS):
            _recreate(db, [obj])
            rebuilt.append(obj.name)
    return rebuilt
