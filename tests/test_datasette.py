"""Datasette over a newswatch store: metadata, views, canned queries, search in any grammatical
case, the Atom feed, the coverage report, and one end-to-end run in headless Chromium."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import feedparser
import pytest
from conftest import NOW, run_newswatch
from datasette.app import Datasette
from support.browser import chromium, serving

from newswatch.datasette.metadata import METADATA_FILE, build_metadata
from newswatch.items import Article
from newswatch.pipelines.normalise import normalise_article
from newswatch.store import open_store, save_article


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """A store with the demo crawl in it, and one Ukrainian article written in known cases."""
    path = tmp_path_factory.mktemp("ds") / "newswatch.db"
    assert run_newswatch("demo", "--db", str(path)).returncode == 0
    db = open_store(path)
    article = Article(
        url="https://www.unian.ua/politics/test-13999999.html",
        language="uk",
        title="Тестова новина про контакти з Росією",
        text="Делегації провели переговори у Женеві щодо припинення війни.",
        published="2026-11-21T10:00:00+02:00",
    )
    normalise_article(article, NOW)
    save_article(db, article, NOW.isoformat())
    db.close()
    return path


def get(store: Path, path: str):
    datasette = Datasette([str(store)], metadata=build_metadata("newswatch"))

    async def fetch():
        return await datasette.client.get(path)

    return asyncio.run(fetch())


def rows(store: Path, path: str) -> list[dict]:
    response = get(store, path + ("&" if "?" in path else "?") + "_shape=array")
    assert response.status_code == 200, response.text[:500]
    return response.json()


def test_the_committed_metadata_file_is_what_the_code_builds():
    assert json.loads(METADATA_FILE.read_text()) == build_metadata("newswatch")


def test_datasette_using_the_metadata_leaves_the_next_build_unchanged(store):
    """Datasette writes into the canned queries it is given: each build is a fresh copy."""
    assert get(store, "/newswatch/story_coverage.json").status_code == 200
    assert build_metadata("newswatch") == json.loads(METADATA_FILE.read_text())


def test_metadata_titles_sorts_facets_and_hides_internal_tables(store):
    page = get(store, "/newswatch/articles")
    assert page.status_code == 200
    assert "Every article crawled or imported" in page.text
    assert "16 lowercase hex digits" in page.text  # a column description
    data = get(store, "/newswatch/articles.json?_size=5").json()
    assert data["human_description_en"] == "sorted by first_seen descending"
    assert set(data["facet_results"]) >= {"outlet", "language", "on_topic", "date", "story_id"}
    tables = {t["name"]: t for t in get(store, "/newswatch.json").json()["tables"]}
    assert tables["minhash_bands"]["hidden"] and tables["story_anchors"]["hidden"]
    assert not tables["articles"]["hidden"]


def test_views_and_canned_queries(store):
    stories = rows(store, "/newswatch/story_coverage.json")
    geneva = next(s for s in stories if "Geneva" in (s["title"] or ""))
    assert geneva["articles"] >= 5 and set(geneva["languages"].split(",")) == {"en", "uk", "ru"}
    assert geneva["first"] in {"sputnik", "rbc", "unian", "pravda", "moscowtimes"}
    assert geneva["hours_apart"] > 0
    since = rows(store, "/newswatch/new_on_topic_since.json?since=2026-11-20")
    assert since and all((r["date"] or r["first_seen"][:10]) >= "2026-11-20" for r in since)
    health = rows(store, "/newswatch/crawl_health.json")
    assert [r["outlet"] for r in health] == sorted(
        ["moscowtimes", "pravda", "rbc", "sputnik", "unian"]
    )
    folded = rows(store, "/newswatch/on_topic_articles.json?_size=100")
    assert all(r["duplicate_of"] is None for r in folded)
    assert sum(r["copies"] for r in folded) == 1  # the eurointegration re-post
    assert rows(store, "/newswatch/today_by_outlet.json") == []  # nothing dated today (UTC)


def test_an_articles_versions(store):
    db = open_store(store)
    url = "https://www.unian.ua/politics/versions-13999998.html"
    for text in (
        "Перша редакція: делегації провели переговори.",
        "Оновлений текст: делегації домовилися про новий раунд.",
    ):
        article = Article(
            url=url,
            language="uk",
            title="Новина з оновленнями",
            text=text,
            published="2026-11-21T10:00:00+02:00",
        )
        normalise_article(article, NOW)
        save_article(db, article, NOW.isoformat())
    db.close()
    versions = rows(store, f"/newswatch/article_versions.json?id={article.id}")
    assert [v["version"] for v in versions] == [1, "current"]
    assert versions[0]["text"].startswith("Перша редакція")
    assert versions[1]["text"].startswith("Оновлений текст")


@pytest.mark.parametrize("query", ["Росія", "росії", "РОСІЮ", "переговорів", "Женева"])
def test_search_finds_cyrillic_words_in_other_grammatical_cases(store, query):
    found = rows(store, f"/newswatch/search.json?q={query}")
    assert any(r["title"] == "Тестова новина про контакти з Росією" for r in found), query


def test_the_atom_feed_parses(store):
    response = get(store, "/newswatch/feed.atom")
    assert response.status_code == 200
    feed = feedparser.parse(response.text)
    assert not feed.bozo and feed.feed.title == "newswatch: new on-topic stories"
    assert len(feed.entries) >= 2  # one per on-topic story (tests/test_counts.py)
    assert any("Geneva" in e.title for e in feed.entries)
    assert all(e.link for e in feed.entries)


def test_datasette_is_read_only(store):
    response = get(store, "/newswatch.json?sql=DELETE+FROM+articles")
    assert response.status_code == 400
    assert rows(store, "/newswatch.json?sql=select+count(*)+as+n+from+articles")[0]["n"] > 30


def test_serve_listens_on_this_machine_only_by_default():
    from newswatch.cli.serve import serve

    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"


def test_report_charts_on_topic_articles_per_outlet_per_day(store, tmp_path):
    out = tmp_path / "report.html"
    result = run_newswatch("report", "--db", str(store), "--out", str(out))
    assert result.returncode == 0, result.stderr
    page = out.read_text()
    assert "<svg" in page and page.count("<rect") >= 5 and "<script" not in page
    assert "<td>2026-11-19</td>" in page


def test_end_to_end_in_headless_chromium(store, tmp_path):
    browser = chromium(tmp_path / "profile")
    with serving(store) as base:
        url = f"{base}/newswatch/articles?_search=Женеві"
        dom = browser.dom(url)
        assert "rows where search matches" in dom
        assert "Тестова новина" in dom
        shot = browser.screenshot(url, tmp_path / "datasette-search.png", "1280,2600")
        assert shot.stat().st_size > 20_000
    # The server was the process itself (not a child left behind): the port is free again.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=1).close()


@pytest.fixture
def two_offsets_store(tmp_path) -> Path:
    """Two on-topic articles whose ISO strings sort the wrong way round: 12:48Z written with
    +02:00 (the string is larger) and 14:26Z written with +00:00."""
    path = tmp_path / "newswatch.db"  # Datasette names the database after the file
    db = open_store(path)
    texts = (
        "Negotiations between Russia and the US on ending the war in Ukraine resumed in Geneva.",
        "Macron called Putin about a ceasefire; the Kremlin said a summit in Geneva is possible.",
    )
    for n, published in enumerate(("2026-11-21T14:48:00+02:00", "2026-11-21T14:26:00+00:00")):
        save_article(
            db,
            Article(
                id=f"00000000000000e{n}",
                url=f"https://www.unian.net/politics/talks-1400000{n}.html",
                title=f"Talks in Geneva, report {n}",
                text=texts[n],
                published=published,
                on_topic=True,
            ),
            NOW.isoformat(),
        )
    db.close()
    return path


def test_feed_and_search_list_the_latest_utc_time_first(two_offsets_store):
    newest_first = ["Talks in Geneva, report 1", "Talks in Geneva, report 0"]
    # The two reports are one story: one feed entry, its reports listed in UTC time order.
    (entry,) = rows(two_offsets_store, "/newswatch/feed.json")
    assert entry["atom_content"].index("report 0") < entry["atom_content"].index("report 1")
    assert [r["title"] for r in rows(two_offsets_store, "/newswatch/search.json?q=geneva")] == (
        newest_first
    )
    since = rows(two_offsets_store, "/newswatch/new_on_topic_since.json?since=2026-11-01")
    assert [r["title"] for r in since] == newest_first


def test_atom_entry_ids_are_iris(two_offsets_store):
    feed = feedparser.parse(get(two_offsets_store, "/newswatch/feed.atom").text)
    (entry,) = feed.entries  # one story
    assert entry.id.startswith("tag:newswatch,2026:story:"), entry.id


def test_today_by_outlet_counts_the_utc_day_of_publication(tmp_path):
    """An article of 00:30 Kyiv time today was published yesterday in UTC; one of 12:00:01 on
    the eve at UTC-12 was published today in UTC: the query compares UTC day with UTC day."""
    from datetime import timedelta

    from newswatch.dates import utc_now

    now = utc_now()
    today, eve = now.date(), now.date() - timedelta(days=1)
    path = tmp_path / "newswatch.db"
    db = open_store(path)
    for url, published, text in (
        (
            "https://www.unian.ua/politics/local-today-13999990.html",
            f"{today}T00:30:00+02:00",
            "Делегації Росії та США провели переговори у Женеві щодо припинення війни.",
        ),
        (
            "https://www.unian.ua/politics/utc-today-13999991.html",
            f"{eve}T12:00:01-12:00",
            "Міністри закордонних справ ЄС обговорили в Брюсселі санкції і зимову допомогу.",
        ),
    ):
        article = Article(url=url, language="uk", title=text[:40], text=text, published=published)
        normalise_article(article, now)
        article.on_topic, article.relevance = True, 1.0
        save_article(db, article, now.isoformat())
    db.close()
    (today_row,) = rows(path, "/newswatch/today_by_outlet.json")
    assert today_row["articles"] == 1 and today_row["titles"].startswith("Міністри")
