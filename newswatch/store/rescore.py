"""Re-scoring stored articles against the watched topics, after the topics or their models
changed (or the store was built by an older version): one transaction, so a store is never
left half re-scored."""

from __future__ import annotations

from sqlite_utils import Database

from newswatch.store.articles import save_topics
from newswatch.store.connection import write_transaction
from newswatch.store.definitions import on_topic_count
from newswatch.store.rows import fields_row, row_to_article
from newswatch.topic import Topic, judge_article

JUDGED = ("relevance", "on_topic", "matched", "topics")  # the columns a judgement sets


def rescore_topics(db: Database, topics: list[Topic]) -> dict[str, int]:
    """Score every stored article again, as a crawl would; return how many were scored, how
    many are on the topic before and after (on-topic articles as newswatch.store.definitions
    counts them: copies left out), and how many articles changed side."""
    counts = {"scored": 0, "on_topic_before": on_topic_count(db), "on_topic_after": 0}
    counts["changed"] = 0
    with write_transaction(db):
        cursor = db.execute("SELECT * FROM articles")
        columns = [c[0] for c in cursor.description]
        for values in cursor.fetchall():
            article = row_to_article(dict(zip(columns, values, strict=True)))
            before = bool(article.on_topic)
            judge_article(article, topics)
            row = fields_row(article)
            db.conn.execute(
                f"UPDATE articles SET {', '.join(f'{c} = ?' for c in JUDGED)} WHERE id = ?",
                [*(row[c] for c in JUDGED), article.id],
            )
            save_topics(db, article)
            counts["scored"] += 1
            counts["changed"] += before != article.on_topic
        counts["on_topic_after"] = on_topic_count(db)
    return counts
