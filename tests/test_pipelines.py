"""The normalise pipeline: every article brought to the schema, or dropped with a reason."""

from __future__ import annotations

import pytest
from conftest import NOW
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newswatch.items import Article
from newswatch.keys import article_id
from newswatch.pipelines import NormalisePipeline
from newswatch.pipelines.normalise import normalise_article


def test_id_outlet_canonical_url_and_date_come_from_the_url_and_time():
    url = "https://www.unian.net/politics/peregovory-12345678.html?utm_source=rss"
    article = Article(
        url=url,
        title="  Переговоры \n в Женеве ",
        text="Текст.",
        published="2026-11-19T15:20:00+02:00",
    )
    normalise_article(article, NOW)
    assert article.canonical_url == "https://unian.net/politics/peregovory-12345678.html"
    assert article.id == article_id(url)
    assert article.outlet == "unian"
    assert article.title == "Переговоры в Женеве"
    assert (article.published, article.date) == ("2026-11-19T15:20:00+02:00", "2026-11-19")
    assert article.published_raw == "2026-11-19T15:20:00+02:00"
    assert article.language == "ru"
    assert article.fetched_at == "2026-11-22T12:00:00+00:00"


def test_a_naive_time_is_the_outlets_local_time():
    kyiv = Article(
        url="https://epravda.com.ua/x-813313/", text="т", published="2025-10-24 15:26:00"
    )
    moscow = Article(
        url="https://www.themoscowtimes.com/2026/01/15/x-a1",
        text="t",
        published="2026-01-15T23:30:00",
    )
    normalise_article(kyiv, NOW)
    normalise_article(moscow, NOW)
    assert kyiv.published == "2025-10-24T15:26:00+03:00"  # Kyiv summer time
    assert moscow.published == "2026-01-15T23:30:00+03:00"
    assert moscow.date == "2026-01-15"  # the local date, though it is already the 16th nowhere


@pytest.mark.parametrize(
    "published", ["2027-01-01T00:00:00+00:00", "1989-12-31T10:00:00+00:00", "next Tuesday"]
)
def test_impossible_times_are_rejected_but_kept_raw(published):
    article = Article(
        url="https://rbc.ua/ukr/news/x-1763561100.html", text="т", published=published
    )
    notes = normalise_article(article, NOW)
    assert article.published is None and article.date is None
    assert article.published_raw == published
    assert notes[0][0] == "published_rejected"


def test_a_seed_articles_text_is_kept_exactly():
    text = " Leading space.\n\nTrailing space. \n\n"
    article = Article(id="80F9698F8040A783", text=text, date="2026-02-12")
    normalise_article(article, NOW)
    assert article.text == text
    assert article.id == "80f9698f8040a783"
    assert article.outlet is None and article.date == "2026-02-12"


def test_authors_and_tags_lose_duplicates_and_blanks():
    article = Article(
        id="0000000000000001",
        text="t",
        authors=[" Iryna  Kutielieva", "", None, "iryna kutielieva"],
        tags=["NATO", "nato", "Росія"],
    )
    normalise_article(article, NOW)
    assert article.authors == ["Iryna Kutielieva"]
    assert article.tags == ["NATO", "Росія"]


@pytest.mark.parametrize(
    "article,reason",
    [
        (Article(text="text but no id or url"), "no id"),
        (Article(id="xyz", text="t"), "malformed id"),
        (Article(url="https://unian.ua/a-1.html", text="  \n"), "neither title nor text"),
    ],
)
def test_articles_that_cannot_be_stored_are_dropped_and_counted(article, reason):
    pipeline = NormalisePipeline(get_crawler().stats, clock=lambda: NOW)
    with pytest.raises(DropItem, match=reason):
        pipeline.process_item(article)
    assert pipeline.stats.get_stats() == {"newswatch/normalise/dropped": 1}


def test_pipeline_counts_what_it_derived_and_passes_other_items_through():
    pipeline = NormalisePipeline(get_crawler().stats, clock=lambda: NOW)
    assert pipeline.process_item({"not": "an article"}) == {"not": "an article"}
    pipeline.process_item(Article(id="0000000000000002", text="Текст про переговори та Росію."))
    assert pipeline.stats.get_stats() == {"newswatch/normalise/language_detected": 1}
