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

FTS_COLUMNS = ("title", "lead", "text")
# unicode61 folds letter case for Cyrillic as well as Latin (Росії matches росії and РОСІЇ),
# and remove_diacritics 2 folds accents on Latin letters (Sánchez matches Sanchez).
FTS_TOKENIZE = "unicode61 remove_diacritics 2"


@dataclass(frozen=True)
class DerivedObject:
    kind: str  # table | trigger | index | view
    name: str
    sql: str
    rebuild_fts: bool = False


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
            rebuild_fts=True,
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


def _index(table: str, *columns: str) -> DerivedObject:
    name = f"idx_{table}_{'_'.join(columns)}"
    return DerivedObject(
        "index",
        name,
        f"CREATE INDEX [{name}] ON [{table}] ({', '.join(f'[{c}]' for c in columns)})",
    )


DERIVED_OBJECTS: list[DerivedObject] = [
    *_fts_objects("articles"),
    _index("articles", "outlet"),
    _index("articles", "date"),
    _index("articles", "published"),
    _index("articles", "canonical_url"),
]


def _squash(sql: str | None) -> str:
    return re.sub(r"\s+", " ", sql or "").strip()


def _out_of_shape(db: Database) -> list[DerivedObject]:
    present = {
        name: sql
        for name, sql in db.execute(
            "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"
        ).fetchall()
    }
    return [obj for obj in DERIVED_OBJECTS if _squash(present.get(obj.name)) != _squash(obj.sql)]


def ensure_db_shape(db: Database) -> list[str]:
    """Create or re-create every derived object that is missing or differs from its definition;
    return the names of those (re)built. Idempotent and safe to run from several processes."""
    if not _out_of_shape(db):
        return []
    with write_transaction(db):
        stale = _out_of_shape(db)  # another process may have fixed it while we waited
        rebuild = False
        for obj in stale:
            if obj.kind == "table":
                # A content table change invalidates the triggers too: drop them with it.
                for trig in (o for o in DERIVED_OBJECTS if o.kind == "trigger"):
                    db.execute(f"DROP TRIGGER IF EXISTS [{trig.name}]")
            db.execute(f"DROP {obj.kind.upper()} IF EXISTS [{obj.name}]")
            db.execute(obj.sql)
            rebuild = rebuild or obj.rebuild_fts
        # Triggers dropped alongside a re-created table must come back too.
        for obj in _out_of_shape(db):
            db.execute(obj.sql)
        if rebuild:
            db.execute("INSERT INTO [articles_fts]([articles_fts]) VALUES('rebuild')")
    return [obj.name for obj in stale]
