"""Real articles as a crawl worker pushes them to the writer: saved pages extracted, normalised
and scored by newswatch's own code (what the spider and the pipelines before the store do),
without a crawler. Shared by the writer's tests and bench/writer_ceiling.py."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from w3lib.encoding import html_to_unicode

from newswatch.dates import iso_utc
from newswatch.encodings import decode_page
from newswatch.extraction import ExtractionError, extract_article
from newswatch.fixtures import load_fixtures
from newswatch.items import Article
from newswatch.pipelines.normalise import normalise_article
from newswatch.topic import judge_article, load_topics


def worker_articles(folders: Iterable[Path], now: datetime) -> list[Article]:
    """Every article page below `folders` (fixture format) that yields an article, by URL."""
    topics = load_topics(None)
    articles = []
    for url, fixture in sorted(load_fixtures(folders).items()):
        if fixture.page_kind != "article" or fixture.status != 200:
            continue
        declared, html = html_to_unicode(None, fixture.body)
        html, _ = decode_page(fixture.body, declared, html)
        try:
            article = extract_article(html, url, now=now)
        except ExtractionError:
            continue
        normalise_article(article, now)
        judge_article(article, topics)
        articles.append(article)
    return articles


def seen_times(start: datetime, count: int) -> list[str]:
    """`count` distinct seen_at times a second apart from `start`, as workers stamp them."""
    return [iso_utc(start + timedelta(seconds=n)) for n in range(count)]
