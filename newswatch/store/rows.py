"""An Article and its `articles` row, both ways."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from newswatch.dates import utc_sort_time
from newswatch.items import ARTICLE_FIELDS, JSON_FIELDS, LIST_FIELDS, Article
from newswatch.search import text_stems


def article_to_row(article: Article) -> dict[str, Any]:
    """The `articles` row of `article`: its fields, the search stems of its text and its
    publication time in UTC (to sort on)."""
    row = fields_row(article)
    row["published_utc"] = utc_sort_time(article.published)
    row["stems"] = text_stems(article.title, article.lead, article.text, article.language)
    return row


def fields_row(article: Article) -> dict[str, Any]:
    row = {name: getattr(article, name) for name in ARTICLE_FIELDS}
    if row.get("on_topic") is not None:
        row["on_topic"] = int(row["on_topic"])
    for name in JSON_FIELDS:
        empty = [] if name in LIST_FIELDS else {}
        row[name] = json.dumps(row[name] or empty, ensure_ascii=False)
    return row


def row_to_article(row: dict[str, Any]) -> Article:
    values = {f.name: row.get(f.name) for f in fields(Article) if f.name in row}
    for name in JSON_FIELDS:
        raw = values.get(name)
        values[name] = json.loads(raw) if raw else ([] if name in LIST_FIELDS else {})
    values["text"] = values.get("text") or ""
    if values.get("on_topic") is not None:
        values["on_topic"] = bool(values["on_topic"])
    return Article(**values)
