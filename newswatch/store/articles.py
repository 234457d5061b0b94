"""Reading and writing articles: small functions over the `articles` table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlite_utils import Database

from newswatch.items import ARTICLE_FIELDS, Article
from newswatch.keys import article_id, article_key, canonical_url
from newswatch.store.connection import write_transaction
from newswatch.store.dedup import index_article, link, promote
from newswatch.store.rows import article_to_row, fields_row, row_to_article
from newswatch.store.rules import DEFAULT_RULES, LinkRules

# Fields whose change makes a stored article "updated"; fetched_at only says when we looked, and
# the links are derived from the text.
DERIVED = ("id", "fetched_at", "content_hash", "duplicate_of", "story_id", "stems", "published_utc")
CONTENT_FIELDS = tuple(f for f in ARTICLE_FIELDS if f not in DERIVED)
# A change of these keeps the earlier text as a version.
VERSIONED_FIELDS = ("title", "lead", "text")


def _merge(stored: dict[str, Any], incoming: dict[str, Any]) -> dict[str, Any]:
    """The stored row brought up to date: every field the incoming article knows replaces the
    stored one; what it does not know (None, empty) keeps the stored value."""
    merged = dict(stored)
    for name, value in incoming.items():
        if value not in (None, "", "[]", "{}"):
            merged[name] = value
    return merged


def save_article(
    db: Database, article: Article, seen_at: str, *, rules: LinkRules = DEFAULT_RULES
) -> str:
    """Insert or update one article in a single transaction; return "new", "updated" or
    "unchanged". `seen_at` (ISO 8601) becomes `first_seen` of a new article.

    In the same transaction: an article whose `article_key` is stored under another id (its
    slug was edited) is that stored article; a new article is checked against everything stored
    for exact and near duplicates (`duplicate_of`) and linked to its story (`story_id`); an
    update keeps the text it replaces in `article_versions`. `rules`: the story thresholds
    (the defaults but in evaluations)."""
    with write_transaction(db):
        if article.article_key:
            same = db.execute(
                "SELECT id FROM articles WHERE article_key = ? AND id != ? "
                "ORDER BY first_seen LIMIT 1",
                [article.article_key, article.id],
            ).fetchone()
            if same:
                article.id = same[0]
        cursor = db.execute("SELECT * FROM articles WHERE id = ?", [article.id])
        found = cursor.fetchone()
        if found is None:
            fp, former = link(db, article, rules)
            _insert(db, "articles", {**article_to_row(article), "first_seen": seen_at})
            index_article(db, article, fp)
            if former:
                promote(db, article.id, former)
            save_topics(db, article)
            return "new"
        stored = dict(zip([c[0] for c in cursor.description], found, strict=True))
        if article.source_file and stored.get("url"):
            # A seed file of an article the crawler fetched (an export read back in, say) holds
            # its title, lead and body as one text: the crawled fields stand.
            return "unchanged"
        merged = _merge(stored, fields_row(article))  # stems only if it is written
        if all(merged.get(f) == stored.get(f) for f in CONTENT_FIELDS):
            return "unchanged"
        if any(merged.get(f) != stored.get(f) for f in VERSIONED_FIELDS):
            _keep_version(db, stored)
        updated = row_to_article(merged)
        fp, _ = link(db, updated, rules, known_story=stored.get("story_id"))
        updated.duplicate_of = stored.get("duplicate_of") or updated.duplicate_of
        db["articles"].update(article.id, article_to_row(updated))
        index_article(db, updated, fp)
        save_topics(db, updated)
        article.duplicate_of, article.story_id = updated.duplicate_of, updated.story_id
        return "updated"


def _insert(db: Database, table: str, row: dict[str, Any]) -> None:
    """One row into a table the migrations made. A plain INSERT: sqlite-utils' insert() looks
    the table and its columns up on every call (it may have to create or alter them), which
    cost more than the insert itself on the crawl's path."""
    names = ", ".join(f"[{name}]" for name in row)
    db.conn.execute(
        f"INSERT INTO [{table}] ({names}) VALUES ({', '.join('?' * len(row))})", list(row.values())
    )


def _keep_version(db: Database, stored: dict[str, Any]) -> None:
    """The stored text, before an update replaces it, as the article's next earlier version."""
    number = db.execute(
        "SELECT coalesce(max(version), 0) + 1 FROM article_versions WHERE article_id = ?",
        [stored["id"]],
    ).fetchone()[0]
    _insert(
        db,
        "article_versions",
        {
            "article_id": stored["id"],
            "version": number,
            "seen_at": stored.get("fetched_at") or stored.get("first_seen"),
            "title": stored.get("title"),
            "lead": stored.get("lead"),
            "text": stored.get("text"),
            "content_hash": stored.get("content_hash"),
        },
    )


def save_topics(db: Database, article: Article) -> None:
    """One article_topics row per topic the article was scored against."""
    if not article.topics:
        return
    db.conn.execute("DELETE FROM article_topics WHERE article_id = ?", [article.id])
    db.conn.executemany(
        "INSERT INTO article_topics (article_id, topic, relevance, on_topic) VALUES (?, ?, ?, ?)",
        [
            (article.id, topic, score["relevance"], int(score["on_topic"]))
            for topic, score in article.topics.items()
        ],
    )


def iter_articles(
    db: Database,
    *,
    since: str | None = None,
    outlet: str | None = None,
    on_topic: bool | None = None,
) -> Iterator[Article]:
    """Stored articles, oldest first (by date, then publication time in UTC, then first seen).
    `since` (YYYY-MM-DD) keeps articles dated on or after it; undated ones are left out then.
    `on_topic` True / False keeps only on- / off-topic articles; None keeps all."""
    where, params = [], []
    if on_topic is not None:
        where.append("on_topic = ?")
        params.append(int(on_topic))
    if since:
        where.append("date >= ?")
        params.append(since)
    if outlet:
        where.append("outlet = ?")
        params.append(outlet)
    yield from (
        row_to_article(row)
        for row in db["articles"].rows_where(
            " AND ".join(where) or None,
            params,
            order_by="coalesce(date, '9999'), coalesce(published_utc, ''), first_seen, id",
        )
    )


def count_articles(db: Database) -> int:
    return db.execute("SELECT count(*) FROM articles").fetchone()[0]


def stored_first_seen(db: Database, url: str) -> tuple[str | None] | None:
    """Whether the article at `url` is stored, by id, canonical URL or the outlet's article id
    (an edited slug is the same article): a one-tuple of its `first_seen`, or None."""
    return db.execute(
        "SELECT first_seen FROM articles WHERE id = ? OR canonical_url = ? "
        "OR article_key = ? LIMIT 1",
        [article_id(url), canonical_url(url), article_key(url)],
    ).fetchone()
