"""Datasette metadata for a newswatch database, built from the schema's own documentation.

`python -m newswatch.datasette.metadata [DATABASE-NAME]` prints it as JSON; the committed
newswatch/datasette/metadata.json is that output for a database named "newswatch"
(data/newswatch.db), so that `datasette data/newswatch.db -m newswatch/datasette/metadata.json`
works; `newswatch serve` builds it for whatever the database file is called.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

from newswatch.items import field_docs

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
ARTICLE_FACETS = ["outlet", "language", "on_topic", "date", "story_id"]

QUERIES = {
    "search": {
        "title": "Search articles, in any grammatical case",
        "description": "Full-text search over title, lead and text that finds a word in every "
        "form: Росією finds Росії and Росія, переговорів finds переговори.",
        "sql": "SELECT a.id, a.date, a.outlet, a.language, a.title, a.on_topic, a.url "
        "FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
        "WHERE articles_fts MATCH nw_search(:q) ORDER BY a.published_utc DESC",
    },
    "new_on_topic_since": {
        "title": "New on-topic articles since a date",
        "description": "On-topic articles first seen or published on or after :since "
        "(YYYY-MM-DD), newest first, copies folded.",
        "sql": "SELECT first_seen, date, outlet, language, title, relevance, copies, url, id "
        "FROM on_topic_articles WHERE coalesce(date, substr(first_seen, 1, 10)) >= :since "
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
        "(SELECT a.outlet FROM articles a WHERE a.story_id = s.story_id "
        " AND a.published_utc IS NOT NULL ORDER BY a.published_utc LIMIT 1) AS first, "
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
        "title": "newswatch: new on-topic articles",
        "description": "The 50 newest on-topic articles; add .atom to the URL for an Atom feed "
        "a feed reader can subscribe to.",
        "sql": "SELECT 'tag:newswatch,2026:article:' || id AS atom_id, "
        "coalesce(title, substr(text, 1, 120)) AS atom_title, "
        "coalesce(published, first_seen) AS atom_updated, "
        "coalesce(lead, substr(text, 1, 600)) AS atom_content, "
        "coalesce(url, 'urn:newswatch:' || id) AS atom_link, "
        "outlet, language FROM on_topic_articles "
        "ORDER BY coalesce(published_utc, datetime(first_seen)) DESC LIMIT 50",
    },
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
                        "label_column": "title",
                        "columns": article_columns,
                    },
                    "on_topic_articles": {
                        "description": "On-topic articles, each copy folded into its first-seen "
                        "article (copies counts them). Start here.",
                        "sort_desc": "first_seen",
                        "facets": ARTICLE_FACETS,
                        "columns": {**article_columns, "copies": "Copies at other URLs."},
                    },
                    "stories": {
                        "description": "Each story (one event, any outlet, any language): its "
                        "outlets, languages, articles, first and last publication "
                        "(UTC).",
                        "sort_desc": "last_published",
                        "facets": ["outlets", "languages", "on_topic"],
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
                    **{name: {"hidden": True} for name in HIDDEN},
                },
                "queries": copy.deepcopy(QUERIES),  # Datasette writes into what it is given
            }
        },
        "plugins": {"datasette-atom": {"allow_unsafe_html_in_canned_queries": False}},
    }


def write_metadata(path: Path, database: str) -> Path:
    path.write_text(
        json.dumps(build_metadata(database), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return path


if __name__ == "__main__":
    print(
        json.dumps(build_metadata(*(sys.argv[1:2] or ["newswatch"])), ensure_ascii=False, indent=2)
    )
