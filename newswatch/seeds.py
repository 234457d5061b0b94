"""The five seed documents that define the topic, bundled with newswatch, and the rule that a
store holding no article yet receives them first, so that the topic is visible from the start.

A seed document is a real article saved as text: `describe_seed` reads from that text what it
tells of the article (its URL and outlet, its headline), so that it is stored as the article it
is, marked `source_kind = 'seed'` (newswatch.store.definitions)."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from newswatch.items import Article
from newswatch.outlets import outlet_for_url
from newswatch.store import count_articles, open_store, resolve_db_path
from newswatch.store.definitions import SEED

_URL = re.compile(r"https?://[^\s\"'<>]+")
# How an outlet's saved page names the outlet, for a seed document that holds no URL of it.
SELF_NAMES: dict[str, re.Pattern] = {
    "sputnik": re.compile(r"Sputnik International"),
    "rbc": re.compile(r"^ua en ru$|RBC-Ukraine|РБК-Україна", re.MULTILINE),  # its edition menu
    "unian": re.compile(r"\bУНІАН\b|\bУНИАН\b|\bUNIAN\b"),
    "pravda": re.compile(r"Ukrainska Pravda|Українська правда|Украинская правда"),
    "moscowtimes": re.compile(r"The Moscow Times"),
}
HEADING_LINES = 20  # a saved page's headline and its repetition stand in its first lines
MIN_HEADLINE = 20
MAX_TITLE = 120


def bundled_seeds_dir() -> Path:
    """The seeds folder of a source checkout (editable install), else the copy installed
    under <prefix>/share/newswatch/seeds."""
    checkout = Path(__file__).resolve().parent.parent / "seeds"
    if checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "newswatch" / "seeds"


def seeds_dir(settings: Mapping[str, Any] | None = None) -> Path:
    configured = settings.get("NEWSWATCH_SEEDS") if settings else None
    return Path(configured) if configured else bundled_seeds_dir()


def store_is_empty(path: Path) -> bool:
    """Open (create, migrate) the store at `path`; True when it holds no article at all."""
    db = open_store(path)
    try:
        return count_articles(db) == 0
    finally:
        db.close()


def store_needs_seeds(settings: Mapping[str, Any]) -> bool:
    """True when the crawl's store is new: it holds no article at all."""
    return store_is_empty(resolve_db_path(settings=settings))


def describe_seed(article: Article) -> Article:
    """Mark `article` (read from a seed file) as a seed document, and fill in what its text
    tells: its URL (`canonical_url`: the first link to one of the five outlets; `url` stays
    null, as of every imported file) and the outlet it is on, else the outlet
    the text names as itself (SELF_NAMES, the earliest named); and the headline: the first
    line that the page repeats (a headline and the caption or title line under it), else the
    opening sentence, shortened to MAX_TITLE characters. The text stays as it was."""
    text = article.text
    article.source_kind = SEED
    url = next((u for u in _URL.findall(text) if outlet_for_url(u)), None)
    if url and not article.canonical_url:
        article.canonical_url = url  # `url` stays null: newswatch fetched nothing
    if not article.outlet:
        named = [(m.start(), name) for name, rx in SELF_NAMES.items() if (m := rx.search(text))]
        article.outlet = outlet_for_url(url) or (min(named)[1] if named else None)
    if not article.title:
        article.title = _headline(text)
    return article


def _headline(text: str) -> str | None:
    lines = [line.strip() for line in text.splitlines() if line.strip()][:HEADING_LINES]
    for n, line in enumerate(lines):
        if len(line) >= MIN_HEADLINE and any(other.startswith(line) for other in lines[n + 1 :]):
            return line
    if not lines:
        return None
    opening = re.split(r"(?<=[.!?])\s", lines[0], maxsplit=1)[0]
    if len(opening) <= MAX_TITLE:
        return opening
    return opening[: opening.rfind(" ", 0, MAX_TITLE)].rstrip(" ,;:—-") + "…"
