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


# --- the store pipeline's batches ---------------------------------------------------------------


def _store_pipeline(db_path, batch_size, batch_seconds=0.05):
    from newswatch.pipelines import StorePipeline

    crawler = get_crawler()
    pipeline = StorePipeline(
        db_path, crawler.stats, crawler, batch_size=batch_size, batch_seconds=batch_seconds
    )
    pipeline.open_spider()
    return pipeline


def _articles(n: int, title: str = "Переговори") -> list[Article]:
    out = []
    for i in range(n):
        article = Article(
            url=f"https://www.unian.ua/politics/batch-{13400000 + i}.html",
            title=f"{title} {i}",
            text=f"Текст номер {i} про зустріч у Женеві, вона тривала {i + 2} години.",
        )
        normalise_article(article, NOW)
        out.append(article)
    return out


def _stored_titles(db_path) -> list[str]:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(db_path)) as conn:
        return sorted(
            r[0] for r in conn.execute("SELECT title FROM articles WHERE url IS NOT NULL")
        )


def test_a_batch_is_committed_before_its_articles_are_passed_on(db_path):
    import asyncio

    pipeline = _store_pipeline(db_path, batch_size=3)
    articles = _articles(7)

    async def crawl():
        passed = []

        async def one(article):
            await pipeline.process_item(article)
            # Whoever receives the item next can read it in the store.
            assert article.title in _stored_titles(db_path)
            passed.append(article)

        await asyncio.gather(*(one(a) for a in articles))
        return passed

    assert len(asyncio.run(crawl())) == 7  # two full batches, and the last one by its timer
    assert pipeline.stats.get_value("newswatch/store/new") == 7
    pipeline.close_spider()


def test_an_article_the_database_refuses_is_dropped_alone_and_stops_the_crawl(db_path):
    import asyncio

    pipeline = _store_pipeline(db_path, batch_size=5)
    pipeline.db.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON articles WHEN new.title = 'Переговори 2' "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    )
    articles = _articles(5)

    async def crawl():
        return await asyncio.gather(
            *(pipeline.process_item(a) for a in articles), return_exceptions=True
        )

    results = asyncio.run(crawl())
    assert [type(r).__name__ for r in results] == ["Article"] * 2 + ["DropItem"] + ["Article"] * 2
    assert "refused by the test" in str(results[2])
    pipeline.close_spider()
    assert _stored_titles(db_path) == [f"Переговори {i}" for i in (0, 1, 3, 4)]
    stats = pipeline.stats.get_stats()
    assert stats["newswatch/store/new"] == 4 and stats["newswatch/store/errors"] == 1
    import sqlite3

    with sqlite3.connect(db_path) as conn:  # the refused one left no trace anywhere
        assert conn.execute("SELECT count(*) FROM article_fingerprints").fetchone()[0] == 4
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_full_disk_in_a_batch_drops_every_article_of_it_and_stores_none(db_path):
    import asyncio
    import sqlite3

    pipeline = _store_pipeline(db_path, batch_size=4)
    pages = pipeline.db.execute("PRAGMA page_count").fetchone()[0]
    pipeline.db.execute(f"PRAGMA max_page_count = {pages}")
    articles = _articles(4, title="Повна " + "слово " * 20_000)

    async def crawl():
        return await asyncio.gather(
            *(pipeline.process_item(a) for a in articles), return_exceptions=True
        )

    results = asyncio.run(crawl())
    assert all("database or disk is full" in str(r) for r in results), results
    pipeline.close_spider()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM articles WHERE url IS NOT NULL").fetchone() == (
            0,
        )


def test_an_error_that_ends_the_whole_transaction_drops_the_batch_with_that_error(db_path):
    """SQLite itself rolls back the whole transaction on some errors (I/O, out of memory; here
    a trigger's RAISE(ROLLBACK)): no article of the batch is stored, each is dropped with the
    real error, and nothing written after it is committed on its own."""
    import asyncio

    pipeline = _store_pipeline(db_path, batch_size=4)
    pipeline.db.execute(
        "CREATE TRIGGER lose BEFORE INSERT ON articles WHEN new.title = 'Переговори 1' "
        "BEGIN SELECT RAISE(ROLLBACK, 'the transaction is gone'); END"
    )

    async def crawl():
        return await asyncio.gather(
            *(pipeline.process_item(a) for a in _articles(4)), return_exceptions=True
        )

    results = asyncio.run(crawl())
    assert all("the transaction is gone" in str(r) for r in results), results
    pipeline.close_spider()
    assert _stored_titles(db_path) == []
    assert "the transaction is gone" in pipeline.stats.get_value("newswatch/store/error")


def test_a_text_is_visible_when_a_character_is_neither_white_space_nor_zero_width():
    """BLANK is every blank there is: the text stripped of it at its ends is empty exactly when
    the text without zero-width characters, stripped, is."""
    import sys

    from newswatch.pipelines.normalise import BLANK, _visible

    every_space = {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()}
    assert set(BLANK) == every_space | set("\u200b\u200c\u200d\u2060\ufeff")
    zero_width = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
    for text in ["", " ", "\u200b", " \ufeff\u3000\n", "\u200bx\u200b", " . ", "\xa0слово", "a"]:
        assert _visible(text) == bool(text.translate(zero_width).strip())
