"""Re-linking a whole store with today's rules: fingerprints, copies and stories recomputed.

A store built by an older version holds the links its rules made; `relink_all` throws the
derived indexes away and links every stored article again, as if each arrived anew in
publication order (undated last), in one transaction. Running it twice changes nothing.
"""

from __future__ import annotations

from sqlite_utils import Database

from newswatch.dedup import lsh_buckets, signature_from_bytes
from newswatch.keys import article_key
from newswatch.store.connection import write_transaction
from newswatch.store.dedup import index_article, link, promote
from newswatch.store.rows import row_to_article
from newswatch.store.rules import DEFAULT_RULES, LinkRules

DERIVED_TABLES = ("minhash_bands", "story_anchors", "anchor_counts", "article_fingerprints")
ORDER = "coalesce(date, '9999'), coalesce(published_utc, ''), first_seen, id"


def relink_all(db: Database, rules: LinkRules = DEFAULT_RULES) -> dict[str, int]:
    """Recompute the fingerprints, `duplicate_of` and `story_id` of every stored article,
    oldest first, in one transaction; return counts: articles, copies, stories, and how many
    articles' links changed."""
    with write_transaction(db):
        before = {
            row[0]: row[1:] for row in db.execute("SELECT id, duplicate_of, story_id FROM articles")
        }
        for table in (*DERIVED_TABLES, "edition_keys"):
            db.execute(f"DELETE FROM [{table}]")
        db.execute("UPDATE articles SET content_hash = NULL, duplicate_of = NULL, story_id = NULL")
        cursor = db.execute(f"SELECT * FROM articles ORDER BY {ORDER}")
        columns = [c[0] for c in cursor.description]
        for values in cursor.fetchall():
            article = row_to_article(dict(zip(columns, values, strict=True)))
            article.article_key = article_key(article.url) if article.url else article.article_key
            fp, former = link(db, article, rules)
            db.execute(
                "UPDATE articles SET article_key = ?, content_hash = ?, duplicate_of = ?, "
                "story_id = ? WHERE id = ?",
                [
                    article.article_key,
                    article.content_hash,
                    article.duplicate_of,
                    article.story_id,
                    article.id,
                ],
            )
            index_article(db, article, fp)
            if not article.duplicate_of:
                _bucket_earlier_texts(db, article.id)
            if former:
                promote(db, article.id, former)
        after = {
            row[0]: row[1:] for row in db.execute("SELECT id, duplicate_of, story_id FROM articles")
        }
    return {
        "articles": len(after),
        "copies": sum(1 for dup, _ in after.values() if dup),
        "stories": len({story for _, story in after.values()}),
        "changed": sum(1 for key, links in after.items() if before.get(key) != links),
    }


def _bucket_earlier_texts(db: Database, article_id: str) -> None:
    """The LSH buckets of an original's earlier texts, so that a copy of one still finds it."""
    have = set(
        db.execute("SELECT band, bucket FROM minhash_bands WHERE article_id = ?", [article_id])
    )
    rows = {
        (band, bucket, article_id)
        for (blob,) in db.execute(
            "SELECT signature FROM earlier_signatures WHERE article_id = ?", [article_id]
        )
        for band, bucket in enumerate(lsh_buckets(signature_from_bytes(blob)))
        if (band, bucket) not in have
    }
    db.conn.executemany(
        "INSERT INTO minhash_bands (band, bucket, article_id) VALUES (?, ?, ?)", sorted(rows)
    )
