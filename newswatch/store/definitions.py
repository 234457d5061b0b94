"""What newswatch counts, defined once: every view, command and feed counts through here.

- An **on-topic article** is an original (not a copy of an article stored before it) at or
  above its topic's threshold: `on_topic = 1 AND duplicate_of IS NULL`. The view
  `on_topic_articles` holds exactly these, and every on-topic count reads it.
- A **story** is the articles that share a `story_id`; an **on-topic story** is one with an
  on-topic article among them and a report that a crawl or an import found (not only seed
  documents): the view `on_topic_stories`, and one Atom feed entry each.
- A **seed document** (`source_kind = 'seed'`) is one of the documents a new store receives
  first: a real article, counted with its outlet, but never news: no crawl found it, so no
  crawl's counts, no `since` filter and no feed entry takes it for new.
"""

from __future__ import annotations

from sqlite_utils import Database

from newswatch.items import Article

SEED = "seed"
"""`source_kind` of the seed documents a new store receives first."""


PUBLICATION_ORDER = "coalesce(a.published_utc, datetime(a.first_seen))"
"""The order of a story's reports (as `a`), first published first: the feed's and the alerts'."""


def _column(alias: str, name: str) -> str:
    return f"{alias}.[{name}]" if alias else f"[{name}]"


def on_topic_article(alias: str = "") -> str:
    """The SQL condition that a row of `articles` (as `alias`) is an on-topic article."""
    return f"{_column(alias, 'on_topic')} = 1 AND {_column(alias, 'duplicate_of')} IS NULL"


def news(alias: str = "") -> str:
    """The SQL condition that a row of `articles` (as `alias`) is news: not a seed document."""
    return f"{_column(alias, 'source_kind')} IS NOT '{SEED}'"


def counts_as_on_topic(article: Article) -> bool:
    """`on_topic_article` for an Article in hand (a crawl counting what it stored)."""
    return bool(article.on_topic) and article.duplicate_of is None


def on_topic_count(db: Database) -> int:
    return db.execute("SELECT count(*) FROM [on_topic_articles]").fetchone()[0]


def on_topic_by_outlet(db: Database) -> dict[str, int]:
    """On-topic articles per outlet ('unknown' for none), largest first; they add up to
    `on_topic_count`."""
    return dict(
        db.execute(
            "SELECT coalesce([outlet], 'unknown') AS o, count(*) AS n FROM [on_topic_articles] "
            "GROUP BY o ORDER BY n DESC, o"
        ).fetchall()
    )


def on_topic_story_count(db: Database) -> int:
    return db.execute("SELECT count(*) FROM [on_topic_stories]").fetchone()[0]
