"""Datasette metadata for a newswatch database, built from the schema's own documentation.

`python -m newswatch.datasette.metadata [DATABASE-NAME]` prints it as JSON; the committed
newswatch/datasette/metadata.json is that output for a database named "newswatch"
(data/newswatch.db), so that `datasette data/newswatch.db -m newswatch/datasette/metadata.json`
works; `newswatch serve` builds it for whatever the database file is called.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import sys
from pathlib import Path

from newswatch.items import field_docs
from newswatch.store.definitions import PUBLICATION_ORDER, news

METADATA_FILE = Path(__file__).parent / "metadata.json"
HIDDEN = (
    "_sqlite_migrations",
    "http_validators",
    "minhash_bands",
    "story_anchors",
    "anchor_counts",
    "article_fingerprints",
    "earlier_signatures",
    "edition_keys",
)
# A story's reports in the order they were published (in UTC; an undated one when first seen).
_PUBLICATION_ORDER = PUBLICATION_ORDER
HEAP_LIMIT_MB = 128  # SQLite's memory in the Datasette server, at most (plugin.py)
ARTICLE_FACETS = ["outlet", "language", "on_topic", "date", "story_id"]
ARTICLE_FACET_SIZE = 8  # the articles come into view without scrolling past every story

# The analyst's desk and the story page read these (newswatch/datasette/desk.py), and they are
# canned queries too (/<db>/desk.json, .csv). A story as they show it, in one definition over
# the `stories` and `on_topic_articles` views: a headline (the first English report's, else the
# story's own), when it broke, the first outlet, its outlets and languages, reports and copies.
FIRST_OUTLET_SQL = (
    "(SELECT a.outlet FROM articles a WHERE a.story_id = s.story_id "
    "AND a.published_utc IS NOT NULL ORDER BY a.published_utc LIMIT 1)"
)
STORY_SQL = (
    "SELECT s.story_id, coalesce((SELECT e.title FROM articles e "
    "WHERE e.story_id = s.story_id AND e.language = 'en' AND e.title IS NOT NULL "
    "ORDER BY e.published_utc IS NULL, e.published_utc LIMIT 1), s.title, "
    "(SELECT t.title FROM articles t WHERE t.story_id = s.story_id AND t.title IS NOT NULL "
    "ORDER BY t.published_utc IS NULL, t.published_utc LIMIT 1)) AS headline, "
    f"s.first_published AS broke, {FIRST_OUTLET_SQL} AS first_outlet, s.outlets, "
    "s.languages, s.articles - s.duplicates AS reports, s.duplicates AS copies, "
    "s.last_published, s.on_topic FROM stories s"
)
ON_THE_DESK = "s.story_id IN (SELECT story_id FROM on_topic_stories)"  # store/definitions.py

QUERIES = {
    "desk": {
        "title": "The desk: on-topic stories, newest first",
        "description": "Each story with an on-topic report from an outlet: its headline, when "
        "it broke (UTC), the first outlet, the outlets and languages covering it, how many "
        "reports (copies at other URLs apart).",
        "sql": f"{STORY_SQL} WHERE {ON_THE_DESK} "
        "ORDER BY s.first_published IS NULL, s.first_published DESC",
    },
    "story": {
        "title": "A story",
        "description": "One story as the desk shows it; :story_id is its id.",
        "sql": f"{STORY_SQL} WHERE s.story_id = :story_id",
    },
    "story_reports": {
        "title": "A story's reports in time order",
        "description": "Every report of the story :story_id, the first published first (UTC), "
        "with the hours since the first report; duplicate_of marks a copy of another report "
        "at another URL.",
        "sql": "SELECT id, outlet, language, published, published_utc, "
        "round((julianday(published_utc) - julianday((SELECT min(f.published_utc) "
        "FROM articles f WHERE f.story_id = :story_id))) * 24, 1) AS hours_after_first, "
        "title, url, lead, duplicate_of, on_topic FROM articles WHERE story_id = :story_id "
        "ORDER BY published_utc IS NULL, published_utc, first_seen",
    },
    "search": {
        "title": "Search articles, in any grammatical case",
        "description": "Full-text search over title, lead and text that finds a word in every "
        "form: Росією finds Росії and Росія, переговорів finds переговори. One row per "
        "original: its copies at other URLs are counted and listed in its row.",
        "sql": "WITH hits AS (SELECT a.id, a.duplicate_of FROM articles_fts "
        "JOIN articles a ON a.rowid = articles_fts.rowid "
        "WHERE articles_fts MATCH nw_search(:q)) "
        "SELECT a.title, a.outlet, a.language, a.date, a.on_topic, "
        "(SELECT count(*) FROM articles c WHERE c.duplicate_of = a.id) AS copies, "
        "(SELECT group_concat(c.id || ' ' || coalesce(c.outlet, '-') || ' ' "
        "|| coalesce(c.url, ''), char(10)) FROM articles c WHERE c.duplicate_of = a.id) "
        "AS copies_at, a.url, a.id "
        "FROM articles a WHERE a.id IN (SELECT coalesce(duplicate_of, id) FROM hits) "
        "ORDER BY a.published_utc DESC",
    },
    "new_on_topic_since": {
        "title": "New on-topic articles since a date",
        "description": "On-topic articles first seen or published on or after :since "
        "(YYYY-MM-DD), newest first, copies folded; the seed documents are never new.",
        "sql": "SELECT first_seen, date, outlet, language, title, relevance, copies, url, id "
        "FROM on_topic_articles WHERE coalesce(date, substr(first_seen, 1, 10)) >= :since "
        f"AND {news()} "
        "ORDER BY coalesce(published_utc, datetime(first_seen)) DESC",
    },
    "today_by_outlet": {
        "title": "Today's on-topic articles by outlet",
        "description": "How many on-topic articles each outlet published today (UTC), and "
        "their headlines.",
        "sql": "SELECT outlet, count(*) AS articles, group_concat(title, ' | ') AS titles "
        "FROM on_topic_articles WHERE date(published_utc) = date('now') GROUP BY outlet "
        "ORDER BY articles DESC",
    },
    "story_coverage": {
        "title": "Stories and their coverage",
        "description": "Each story covered by more than one article: which outlets carried it, "
        "in which languages, which outlet was first, and how many hours passed "
        "between the first and the last report.",
        "sql": "SELECT s.title, s.articles, s.outlets, s.languages, "
        f"{FIRST_OUTLET_SQL} AS first, "
        "s.first_published, s.last_published, "
        "round((julianday(s.last_published) - julianday(s.first_published)) * 24, 1) "
        "AS hours_apart, s.story_id "
        "FROM stories s WHERE s.articles > 1 ORDER BY s.last_published DESC",
    },
    "article_versions": {
        "title": "An article's versions",
        "description": "The texts an article had before each update, oldest first, then its "
        "current text; :id is the article id.",
        "sql": "SELECT version, seen_at, title, lead, text FROM article_versions "
        "WHERE article_id = :id UNION ALL SELECT 'current', fetched_at, title, lead, text "
        "FROM articles WHERE id = :id ORDER BY version",
    },
    "crawl_health": {
        "title": "Crawl health per outlet",
        "description": "Each outlet's latest crawl: how it ended, what it fetched and stored, "
        "article pages that gave no article (a layout change shows here) and responses "
        "refused by blocking (a site refusing newswatch shows here).",
        "sql": "SELECT c.outlet, c.started, c.status, c.requests, c.article_pages, "
        "c.no_article, c.blocked, c.blocked_reason, c.articles_new, c.articles_on_topic, "
        "c.missing_fields, c.errors "
        "FROM crawls c WHERE c.id = (SELECT max(id) FROM crawls d "
        "WHERE d.outlet = c.outlet) ORDER BY c.outlet",
    },
    "feed": {
        "title": "newswatch: new on-topic stories",
        "description": "One entry per on-topic story, the latest first: updated when another "
        "outlet or language joins it, its content the story's reports (copies folded); "
        "the 50 latest. Add .atom to the URL for an Atom feed a feed reader can subscribe to.",
        "sql": "SELECT 'tag:newswatch,2026:story:' || s.story_id AS atom_id, "
        "coalesce(s.title, 'story ' || s.story_id) AS atom_title, "
        "s.joined AS atom_updated, "
        "(SELECT group_concat(r.line, char(10)) FROM (SELECT coalesce(a.outlet, 'unknown') "
        "|| ' (' || coalesce(a.language, '?') || ', ' || coalesce(a.date, 'undated') || '): ' "
        "|| coalesce(a.title, '') || coalesce(' ' || coalesce(a.url, a.canonical_url), '') "
        "AS line FROM articles a WHERE a.story_id = s.story_id AND a.duplicate_of IS NULL "
        f"ORDER BY {_PUBLICATION_ORDER}) r) AS atom_content, "
        "coalesce((SELECT coalesce(a.url, a.canonical_url) AS link FROM articles a "
        f"WHERE a.story_id = s.story_id AND link IS NOT NULL ORDER BY {_PUBLICATION_ORDER} "
        "LIMIT 1), 'urn:newswatch:story:' || s.story_id) AS atom_link, "
        "s.outlets, s.languages, s.story_id FROM on_topic_stories s "
        "ORDER BY s.joined DESC, s.last_published DESC, s.story_id LIMIT 50",
    },
}


STORY_COLUMNS = {
    "on_topic": "1 when an on-topic article (an original, not a copy) is among its articles.",
    "joined": "When newswatch first saw the latest outlet or language to join the story (UTC; "
    "seed documents left out): the feed entry's updated time.",
}


def build_metadata(database: str = "newswatch") -> dict:
    docs = field_docs()
    article_columns = {
        **docs,
        "first_seen": "When the store first saw the article (UTC).",
        "published_utc": "The publication time in UTC (YYYY-MM-DD HH:MM:SS): sort on this, "
        "not on published, whose UTC offsets differ.",
        "stems": "Word stems of title, lead and text, for search in any case.",
    }
    return {
        "title": "newswatch",
        "description": "One story followed across Sputnik International, RBC-Ukraine, UNIAN, "
        "Ukrainska Pravda and The Moscow Times, in English, Ukrainian and "
        "Russian: diplomatic contacts, dialogue or peace negotiations between "
        "Western actors and Russia about ending the war in Ukraine.",
        "source": "newswatch crawls of the five outlets' own sites",
        "about": "newswatch README",
        "databases": {
            database: {
                "tables": {
                    "articles": {
                        "description": "Every article crawled or imported, on the topic or not; "
                        "a copy at another URL is kept and points at the first-seen "
                        "article (duplicate_of).",
                        "sort_desc": "first_seen",
                        "facets": ARTICLE_FACETS,
                        "facet_size": ARTICLE_FACET_SIZE,
                        "label_column": "title",
                        "columns": article_columns,
                    },
                    "on_topic_articles": {
                        "description": "On-topic articles: originals at or above the topic's "
                        "threshold, each copy folded into its first-seen article (copies counts "
                        "them). Every on-topic count newswatch prints counts these. Start here.",
                        "sort_desc": "first_seen",
                        "facets": ARTICLE_FACETS,
                        "facet_size": ARTICLE_FACET_SIZE,
                        "columns": {**article_columns, "copies": "Copies at other URLs."},
                    },
                    "stories": {
                        "description": "Each story (one event, any outlet, any language): its "
                        "outlets, languages, articles, first and last publication "
                        "(UTC).",
                        "sort_desc": "last_published",
                        "facets": ["outlets", "languages", "on_topic"],
                        "columns": STORY_COLUMNS,
                    },
                    "on_topic_stories": {
                        "description": "The stories on the topic: an on-topic article among "
                        "them and a report that a crawl or an import found. The feed has one "
                        "entry for each.",
                        "sort_desc": "joined",
                        "facets": ["outlets", "languages"],
                        "columns": STORY_COLUMNS,
                    },
                    "article_versions": {
                        "description": "Earlier texts of updated articles, and when each was seen.",
                        "sort_desc": "seen_at",
                    },
                    "article_topics": {
                        "description": "Each article's relevance to each watched topic.",
                        "facets": ["topic", "on_topic"],
                    },
                    "crawls": {
                        "description": "One row per outlet crawl, written when it starts "
                        "(running) and completed when it ends: what it fetched and stored, and "
                        "how it ended (a crawl still running whose process is gone died; "
                        "blocked: the site refused every article). See the crawl_health query.",
                        "sort_desc": "started",
                        "facets": ["outlet", "status"],
                        "columns": {
                            "pid": "The crawl's process id, on host.",
                            "host": "The machine the crawl ran on.",
                            "blocked": "Responses refused by blocking (403, 451, challenge pages).",
                            "blocked_reason": "The first such refusal.",
                        },
                    },
                    "pending": {
                        "description": "Articles a listing named that are not stored yet: the "
                        "next crawls of the outlet request them again (tries counts them).",
                        "sort_desc": "listed_at",
                        "facets": ["outlet", "tries"],
                    },
                    "alerts": {
                        "description": "Each alert sent, or to be sent, to a channel of the "
                        "alerts file (newswatch alert): written pending before it is sent, then "
                        "sent or failed (result; tried again after next_try).",
                        "sort_desc": "created",
                        "facets": ["channel", "state", "kind"],
                    },
                    **{name: {"hidden": True} for name in HIDDEN},
                },
                "queries": copy.deepcopy(QUERIES),  # Datasette writes into what it is given
            }
        },
        "plugins": {
            "datasette-atom": {"allow_unsafe_html_in_canned_queries": False},
            "newswatch": {"heap_limit_mb": HEAP_LIMIT_MB},
        },
    }


def write_metadata(folder: Path, database: str) -> Path:
    """Write the metadata for `database` into `folder`, named by its content: a server of
    another newswatch version (another worktree, an upgrade) sharing the folder never
    overwrites the file this one reads."""
    text = json.dumps(build_metadata(database), ensure_ascii=False, indent=2) + "\n"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    path = folder / f"datasette-metadata-{database}-{digest}.json"
    if not path.exists():
        partial = path.with_name(f"{path.name}.{os.getpid()}.part")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)  # whole or absent, even with two servers starting at once
    return path


if __name__ == "__main__":
    print(
        json.dumps(build_metadata(*(sys.argv[1:2] or ["newswatch"])), ensure_ascii=False, indent=2)
    )
