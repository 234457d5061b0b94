"""NormalisePipeline: bring every Article to the documented schema, or drop it with a reason."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from datetime import datetime

from scrapy.exceptions import DropItem

from newswatch.cleaning import clean_article
from newswatch.dates import (
    iso_utc,
    parse_date,
    parse_datetime,
    plausible_date,
    plausible_moment,
    utc_now,
)
from newswatch.items import Article
from newswatch.keys import ID_PATTERN, article_id, article_key, canonical_url
from newswatch.language import detect_language
from newswatch.outlets import OUTLETS, outlet_for_url

logger = logging.getLogger(__name__)
_SPACES = re.compile(r"\s+")


def _line(value: str | None) -> str | None:
    """One line of text: NFC, runs of white space as one space, stripped; None if empty."""
    if value is None:
        return None
    value = _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()
    return value or None


def _unique_lines(values: list[str] | None) -> list[str]:
    seen: dict[str, None] = {}
    for value in values or []:
        if (clean := _line(value)) and clean.casefold() not in (k.casefold() for k in seen):
            seen[clean] = None
    return list(seen)


# What a reader cannot see: white space (the characters str.isspace() holds for, none of them
# above U+3000) and the zero-width characters.
BLANK = (
    "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + "\u200b\u200c\u200d\u2060\ufeff"
)


def _visible(text: str) -> bool:
    """Whether `text` has a character a reader sees. Stripped of blanks at its ends, which on
    any real text stops at its first character (taking the zero-width characters out of the
    whole text first, then stripping, read all of it: 40 µs an article)."""
    return bool(text.strip(BLANK))


def normalise_article(article: Article, now: datetime) -> list[tuple[str, str]]:
    """Normalise `article` in place; return (stats key, detail) notes on what was rejected
    or derived.

    Raises DropItem when the article cannot be stored: no id and no URL to derive one from,
    a malformed id, or neither title nor text.
    """
    notes: list[tuple[str, str]] = []
    if clean_article(article):
        notes.append(("cleaned", "control characters, lone surrogates or non-characters removed"))
    for name in ("title", "lead", "section", "url", "canonical_url", "image", "language"):
        setattr(article, name, _line(getattr(article, name)))
    # The body is stored exactly as it came (but for what clean_article removed): extraction
    # already made it clean NFC paragraphs, and a seed file's text must read back byte for byte.
    article.text = article.text or ""
    article.authors = _unique_lines(article.authors)
    article.tags = _unique_lines(article.tags)

    if article.canonical_url or article.url:
        article.canonical_url = canonical_url(article.canonical_url or article.url)
    if article.url or article.canonical_url:
        article.article_key = article_key(article.url or article.canonical_url)
    if not article.id:
        if not article.canonical_url:
            raise DropItem("no id and no URL to derive one from")
        article.id = article_id(article.canonical_url)
    article.id = article.id.lower()
    if not ID_PATTERN.match(article.id):
        raise DropItem(f"malformed id {article.id!r}: not 16 hex digits")
    if not _visible(article.text) and not article.title:
        raise DropItem(f"article {article.id} has neither title nor text")

    if article.outlet not in OUTLETS:
        article.outlet = outlet_for_url(article.canonical_url) or outlet_for_url(article.url)
    local_tz = OUTLETS[article.outlet].timezone if article.outlet else None

    if article.published:
        article.published_raw = article.published_raw or article.published
        moment = parse_datetime(article.published, local_tz)
        if moment is None or not plausible_moment(moment, now):
            notes.append(
                (
                    "published_rejected",
                    f"{article.published!r}: unreadable, in the future or before 1990",
                )
            )
            article.published = None
        else:
            article.published = moment.isoformat(timespec="seconds")
            article.date = moment.date().isoformat()
    if article.date and not article.published:
        day = parse_date(article.date)
        if day is None or not plausible_date(day, now.date()):
            notes.append(
                ("date_rejected", f"{article.date!r}: no such date, future or before 1990")
            )
            article.date = None
        else:
            article.date = day.isoformat()
    if article.modified:
        moment = parse_datetime(article.modified, local_tz)
        article.modified = moment.isoformat(timespec="seconds") if moment else None

    if article.language:
        article.language = article.language.lower().replace("_", "-").split("-")[0][:2] or None
    if not article.language:
        article.language = detect_language(
            " ".join(filter(None, (article.title, article.lead, article.text)))
        )
        if article.language:
            notes.append(("language_detected", article.language))
    article.fetched_at = article.fetched_at or iso_utc(now)
    return notes


class NormalisePipeline:
    """Normalises each Article (see `normalise_article`); counts drops and rejections."""

    def __init__(self, stats, clock: Callable[[], datetime] = utc_now):
        self.stats = stats
        self.clock = clock

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        try:
            notes = normalise_article(item, self.clock())
        except DropItem as drop:
            self.stats.inc_value("newswatch/normalise/dropped")
            raise drop
        for key, detail in notes:
            self.stats.inc_value(f"newswatch/normalise/{key}")
            logger.debug("article %s: %s %s", item.id, key, detail)
        return item
