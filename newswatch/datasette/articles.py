"""A Datasette plugin that makes the articles read like articles (registered by newswatch's
package entry point `newswatch-articles`; its templates are in templates/):

- the row page of `articles` (`/<db>/articles/<id>`, templates/row.html and _article.html) shows
  the headline, outlet, language, time, the original's link, relevance with what matched, the
  body in paragraphs, the article's copies and its editions in other languages;
- the table pages of `articles` and `on_topic_articles` (templates/table.html) show only the
  columns an analyst reads (LIST_COLUMNS), the title first and linked to the article, stories by
  their headline, the column notes folded; the JSON and CSV exports keep every column;
- a title in a query's results (the `search` query) links to the article as well.
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlsplit

import markupsafe

from datasette import hookimpl

ARTICLE_TABLES = ("articles", "on_topic_articles")
# What the table pages show, in this order; body, stems, fingerprints and JSON stay in exports.
LIST_COLUMNS = (
    "title",
    "outlet",
    "language",
    "published",
    "relevance",
    "on_topic",
    "copies",
    "duplicate_of",
    "story_id",
)


def only_columns(display_columns, display_rows, names=LIST_COLUMNS):
    """Datasette's columns and rendered rows cut down to `names`, in that order."""
    order = {name: i for i, name in enumerate(names)}
    columns = sorted(
        (c for c in display_columns if c["name"] in order), key=lambda c: order[c["name"]]
    )
    rows = [
        sorted((cell for cell in row if cell["column"] in order), key=lambda c: order[c["column"]])
        for row in display_rows
    ]
    return columns, rows


def paragraphs(text: str | None) -> list[str]:
    """The body's paragraphs (newswatch stores them separated by blank lines)."""
    return [p.strip() for p in (text or "").split("\n\n") if p.strip()]


MATCHED_LABELS = {"features": "what the model weighed most"}


def matched_concepts(matched: str | None) -> list[tuple[str, str, str]]:
    """`matched` JSON as (topic, concept, where) rows: where is "title 1, text 3"."""
    try:
        topics = json.loads(matched or "{}")
    except ValueError:
        return []
    return [
        (
            topic,
            MATCHED_LABELS.get(concept, concept),
            ", ".join(f"{field} {hits}" for field, hits in fields.items()),
        )
        for topic, concepts in (topics or {}).items()
        for concept, fields in (concepts or {}).items()
    ]


def readable_time(published: str | None) -> str:
    """2026-11-19T17:48:00+03:00 as "2026-11-19 17:48 (+03:00)"; anything else as it is."""
    try:
        moment = datetime.fromisoformat(published if "T" in (published or "") else "")
    except ValueError:
        return published or ""
    offset = moment.strftime("%z")
    offset = f" ({offset[:3]}:{offset[3:]})" if offset else ""
    return moment.strftime("%Y-%m-%d %H:%M") + offset


def article_title(title: str | None, source_file: str | None = None) -> str:
    return title or (f"(untitled: {source_file})" if source_file else "(untitled)")


ARTICLE_FIELDS = "id, outlet, language, title, url, published, date, duplicate_of, source_file"


async def article_relations(db, article: dict) -> dict:
    """The articles related to `article`: the original it copies, its copies, and its editions
    in other languages (the same story in another language, and the alternates the outlet
    named that are stored)."""

    async def rows(sql: str, params) -> list[dict]:
        return [dict(row) for row in (await db.execute(sql, params)).rows]

    original = await rows(
        f"SELECT {ARTICLE_FIELDS} FROM articles WHERE id = ?", [article["duplicate_of"]]
    )
    copies = await rows(
        f"SELECT {ARTICLE_FIELDS} FROM articles WHERE duplicate_of = ? ORDER BY first_seen",
        [article["id"]],
    )
    editions = await rows(
        f"SELECT {ARTICLE_FIELDS} FROM articles WHERE story_id = ? AND language != ? "
        "AND duplicate_of IS NULL AND id != ? ORDER BY published_utc",
        [article["story_id"], article["language"] or "", article["id"]],
    )
    try:
        alternates = [url for url in json.loads(article.get("alternates") or "[]") if url]
    except ValueError:
        alternates = []
    stored = await rows(
        f"SELECT {ARTICLE_FIELDS} FROM articles WHERE url IN "
        "(SELECT value FROM json_each(?)) OR canonical_url IN (SELECT value FROM json_each(?))",
        [json.dumps(alternates), json.dumps(alternates)],
    )
    known = {e["id"] for e in editions}
    editions += [e for e in stored if e["id"] not in known and e["id"] != article["id"]]
    stored_urls = {e["url"] for e in editions}
    return {
        "original": original[0] if original else None,
        "copies": copies,
        "editions": editions,
        "other_alternates": [url for url in alternates if url not in stored_urls],
    }


async def story_headlines(db, story_ids) -> dict[str, str]:
    """The headline of each story (the title of its first article), by story id."""
    ids = [i for i in story_ids if i]
    if not ids:
        return {}
    result = await db.execute(
        "SELECT id, title, source_file FROM articles WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(ids)],
    )
    return {row["id"]: article_title(row["title"], row["source_file"]) for row in result.rows}


async def label_story_facet(db, facet_results: dict) -> str:
    """Give the story_id facet's values their story headlines as labels (in place)."""
    facet = facet_results.get("story_id")
    if facet:
        headlines = await story_headlines(db, [v["value"] for v in facet["results"]])
        for value in facet["results"]:
            value["label"] = headlines.get(value["value"], value["label"])
    return ""


@hookimpl(specname="extra_template_vars")
def article_template_vars(template, database, table, datasette):
    if table not in ARTICLE_TABLES or template not in ("table.html", "row.html"):
        return {}
    db = datasette.get_database(database)

    async def relations(row):
        return await article_relations(db, dict(row))

    async def label_facets(facet_results):
        return await label_story_facet(db, facet_results)

    return {
        "only_columns": only_columns,
        "paragraphs": paragraphs,
        "matched_concepts": matched_concepts,
        "article_title": article_title,
        "readable_time": readable_time,
        "article_relations": relations,
        "label_story_facet": label_facets,
    }


def _article_link(datasette, database: str, article_id: str, text: str) -> markupsafe.Markup:
    href = datasette.urls.row(database, "articles", article_id)
    return markupsafe.Markup('<a href="{}">{}</a>').format(href, text)


def copies_list(datasette, database: str, copies_at: str) -> markupsafe.Markup:
    """The `search` query's copies_at ("id outlet url", a line a copy) as a list of links."""
    items = []
    for line in copies_at.splitlines():
        article_id, outlet, url = (line.split(" ", 2) + ["", ""])[:3]
        item = _article_link(datasette, database, article_id, f"copy in {outlet}")
        if url:
            item += markupsafe.Markup(' at <a href="{}">{}</a>').format(url, urlsplit(url).netloc)
        items.append(markupsafe.Markup("<li>{}</li>").format(item))
    return markupsafe.Markup('<ul class="copies-at">{}</ul>').format(
        markupsafe.Markup("").join(items)
    )


@hookimpl(specname="render_cell")
def article_cell(row, value, column, table, database, datasette):
    """A title links to its article; a story or an original shows its headline."""
    keys = row.keys() if hasattr(row, "keys") else ()
    if column == "title" and "id" in keys and table in (None, *ARTICLE_TABLES):
        source_file = row["source_file"] if "source_file" in keys else None
        return _article_link(datasette, database, row["id"], article_title(value, source_file))
    if column == "copies_at" and table is None and value:
        return copies_list(datasette, database, value)
    if column in ("story_id", "duplicate_of") and table in ARTICLE_TABLES and value:

        async def headline():
            headlines = await story_headlines(datasette.get_database(database), [value])
            text = headlines.get(value, value)
            if column == "duplicate_of":
                return _article_link(datasette, database, value, text)
            href = datasette.urls.table(database, "articles") + "?story_id=" + value
            return markupsafe.Markup('<a href="{}">{}</a>').format(href, text)

        return headline
    return None
