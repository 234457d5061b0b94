"""Re-scoring stored articles against the watched topics, after the topics or their models
changed (or the store was built by an older version): one transaction, so a store is never
left half re-scored."""

from __future__ import annotations

import json

from sqlite_utils import Database

from newswatch.store.connection import write_transaction
from newswatch.topic import Topic, score_text


def rescore_topics(db: Database, topics: list[Topic]) -> dict[str, int]:
    """Score every stored article again; return how many were scored, how many are on the
    topic before and after, and how many changed side."""
    counts = {"scored": 0, "on_topic_before": 0, "on_topic_after": 0, "changed": 0}
    with write_transaction(db):
        rows = db.execute(
            "SELECT id, title, lead, text, language, date, on_topic FROM articles"
        ).fetchall()
        for article_id, title, lead, text, language, day, before in rows:
            scores = [
                score_text(t, title=title, lead=lead, text=text or "", language=language, date=day)
                for t in topics
            ]
            on_topic = any(s.on_topic for s in scores)
            db.conn.execute(
                "UPDATE articles SET relevance = ?, on_topic = ?, matched = ?, topics = ? "
                "WHERE id = ?",
                [
                    max(s.relevance for s in scores),
                    int(on_topic),
                    json.dumps({s.topic: s.explained for s in scores}, ensure_ascii=False),
                    json.dumps(
                        {
                            s.topic: {"relevance": s.relevance, "on_topic": s.on_topic}
                            for s in scores
                        },
                        ensure_ascii=False,
                    ),
                    article_id,
                ],
            )
            db.conn.execute("DELETE FROM article_topics WHERE article_id = ?", [article_id])
            db.conn.executemany(
                "INSERT INTO article_topics (article_id, topic, relevance, on_topic) "
                "VALUES (?, ?, ?, ?)",
                [(article_id, s.topic, s.relevance, int(s.on_topic)) for s in scores],
            )
            counts["scored"] += 1
            counts["on_topic_before"] += bool(before)
            counts["on_topic_after"] += on_topic
            counts["changed"] += bool(before) != on_topic
    return counts
