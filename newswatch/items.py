"""The one Article item that spiders, pipelines, the store and the seed-format export share.

Every field is documented by its ``doc`` metadata; the README's schema table and the
``articles`` table are checked against these fields by the tests, so the three cannot drift.
Raw values sit beside normalised ones where normalising can go wrong (``published_raw``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


def _doc(text: str, **kw: Any) -> Any:
    return field(metadata={"doc": text}, **kw)


@dataclass
class Article:
    """A news article, crawled from an outlet or imported from a seed-format file."""

    id: str | None = _doc(
        "16 lowercase hex digits: the start of the SHA-256 of the canonical URL "
        "(newswatch.keys.article_id); for an imported seed file, the hex in its file name.",
        default=None,
    )
    url: str | None = _doc(
        "The URL the article was fetched from; null for an imported seed file.", default=None
    )
    canonical_url: str | None = _doc(
        "The canonical URL (newswatch.keys.canonical_url of the page's own canonical link); "
        "it may sit on a sister domain. For a seed document, the outlet's URL its text gives.",
        default=None,
    )
    outlet: str | None = _doc(
        "sputnik, rbc, unian, pravda or moscowtimes; null when unknown.", default=None
    )
    language: str | None = _doc("ISO 639-1 code of the text: en, uk or ru.", default=None)
    title: str | None = _doc("The headline, without the site name.", default=None)
    lead: str | None = _doc(
        "The standfirst / announce paragraph, if the page has one.", default=None
    )
    text: str = _doc(
        "The body: clean paragraphs separated by blank lines. For an imported seed file, "
        "its text exactly as it stands after the date header.",
        default="",
    )
    authors: list[str] = _doc(
        "Names of the people who wrote it (no 'By', no outlet standing in for a person).",
        default_factory=list,
    )
    tags: list[str] = _doc("The outlet's tags / keywords for the article.", default_factory=list)
    section: str | None = _doc("The outlet's section or rubric.", default=None)
    published: str | None = _doc(
        "Publication time, ISO 8601 with its UTC offset (e.g. 2026-02-12T17:02:00+00:00).",
        default=None,
    )
    published_raw: str | None = _doc(
        "The publication time or date as the source wrote it, before normalising.", default=None
    )
    date: str | None = _doc(
        "Publication date, YYYY-MM-DD, as in the seed header: the date part of `published` "
        "in its own offset.",
        default=None,
    )
    modified: str | None = _doc(
        "Last modification time, ISO 8601 with offset, if the page gives one.", default=None
    )
    image: str | None = _doc("Absolute URL of the main image.", default=None)
    fetched_at: str | None = _doc(
        "When newswatch fetched (or imported) it, ISO 8601 in UTC.", default=None
    )
    sources: dict[str, str] = _doc(
        "Which source gave each extracted field (json-ld, meta, microdata, outlet, url, text, "
        "generic, ...) and the checks made (published_check, language_check); a JSON object.",
        default_factory=dict,
    )
    relevance: float | None = _doc(
        "How relevant the article is to the watched topics, 0..1: the highest of its scores "
        "(newswatch.topic; per topic in `topics`).",
        default=None,
    )
    on_topic: bool | None = _doc(
        "Whether the article is on a watched topic (relevance at or above that topic's threshold).",
        default=None,
    )
    matched: dict = _doc(
        "Which concepts of each topic matched where: {topic: {concept: {field: hits}}}.",
        default_factory=dict,
    )
    topics: dict = _doc(
        "Score per watched topic: {topic: {relevance, on_topic}}; also the article_topics table.",
        default_factory=dict,
    )
    article_key: str | None = _doc(
        "The key that stays the same for one article across URL variants and edited slugs: the "
        "outlet's article id with its edition (newswatch.keys.article_key), else the canonical "
        "URL.",
        default=None,
    )
    content_hash: str | None = _doc(
        "16 hex digits of the SHA-256 of the normalised body (case, punctuation and spacing "
        "ignored): equal for exact copies.",
        default=None,
    )
    duplicate_of: str | None = _doc(
        "For an exact or near duplicate (the same text, or a re-post with small edits, at "
        "another URL, in the same language), the id of the first-seen article; the duplicate "
        "row is kept.",
        default=None,
    )
    story_id: str | None = _doc(
        "The id of the first article of the story (the same event, reported by any outlet in any "
        "language) this article belongs to.",
        default=None,
    )
    alternates: list[str] = _doc(
        "URLs of the same article in the outlet's other languages, as the page or sitemap names "
        "them (hreflang alternates, a language switcher); the editions are one story.",
        default_factory=list,
    )
    source_file: str | None = _doc(
        "For an imported seed file, the file's name; null for a crawled article.", default=None
    )
    source_kind: str | None = _doc(
        "'seed' for the seed documents a new store receives first (real articles, counted with "
        "their outlet, but never news: no crawl's, no `since` filter's, no feed's); null for an "
        "article crawled or imported.",
        default=None,
    )


ARTICLE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Article))
LIST_FIELDS: frozenset[str] = frozenset({"authors", "tags", "alternates"})
JSON_FIELDS: frozenset[str] = LIST_FIELDS | {"sources", "matched", "topics"}


def field_docs() -> dict[str, str]:
    """Field name -> its documentation, in declaration order."""
    return {f.name: f.metadata["doc"] for f in fields(Article)}


def article_to_json(article: Article) -> dict[str, Any]:
    """The article as a JSON-ready dict (every field; what travels to a writer process)."""
    return {name: getattr(article, name) for name in ARTICLE_FIELDS}


def article_from_json(data: dict[str, Any]) -> Article:
    """The Article `article_to_json` gave; unknown keys (from a newer worker) are refused."""
    unknown = set(data) - set(ARTICLE_FIELDS)
    if unknown:
        raise ValueError(f"not Article fields: {', '.join(sorted(unknown))}")
    return Article(**data)
