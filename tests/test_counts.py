"""One truth in every count: an on-topic article and a story are defined once
(newswatch/store/definitions.py), and the demo, `summary`, `report`, `status`, `crawl`, the
views and the Atom feed all give the same numbers for one store. The seed documents are the
real articles they are, and never news. The feed has one entry per on-topic story."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sqlite3
from pathlib import Path

import feedparser
import pytest
from conftest import NOW, SEEDS, run_newswatch
from datasette.app import Datasette

from newswatch.datasette.metadata import build_metadata
from newswatch.fixtures import DEMO_DIR
from newswatch.items import Article
from newswatch.pipelines.normalise import normalise_article
from newswatch.seedfile import read_seed_file
from newswatch.seeds import describe_seed
from newswatch.store import open_store, save_article
from newswatch.store.migrations import migrations

# What each bundled seed is, as its text tells it.
SEED_ARTICLES = {
    "80f9698f8040a783": (
        "sputnik",
        "NATO Secretary General Says Supports Macron's Idea of Resuming Contacts With Moscow",
    ),
    "7f2f2eb770cf2c29": ("rbc", "NATO head addresses potential talks with Russia: What he thinks"),
    "0128c8ceedb19eb7": (
        "unian",
        "Генеральний секретар Альянсу виступив на підтримку відновлення контактів з РФ, якщо це "
        "допоможе припинити війну.",
    ),
    "20f8c3f3e3b2bdfb": (
        "pravda",
        "NATO Secretary General not concerned by claims of US-Russia contacts",
    ),
    "ca8e71d551259f98": (
        "moscowtimes",
        "BRUSSELS — NATO Secretary General Mark Rutte said that each European country must "
        "decide for itself whether to resume…",
    ),
}
SPUTNIK_SEED_URL = (
    "https://sputnikglobe.com/20260212/nato-secretary-general-says-supports-macrons-idea-of-"
    "resuming-contacts-with-moscow-1123626208.html"
)


def _get(db: Path, path: str):
    datasette = Datasette([str(db)], metadata=build_metadata(db.stem))

    async def fetch():
        return await datasette.client.get(f"/{db.stem}{path}")

    response = asyncio.run(fetch())
    assert response.status_code == 200, response.text[:500]
    return response


def _one(db: Path, sql: str):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def _number(pattern: str, text: str) -> int:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in:\n{text}"
    return int(match.group(1))


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, str]:
    db = tmp_path_factory.mktemp("counts") / "demo.db"
    result = run_newswatch("demo", "--db", str(db))
    assert result.returncode == 0, result.stderr
    return db, result.stdout


def test_every_command_view_and_the_feed_give_the_same_on_topic_counts(demo, tmp_path):
    db, printed = demo
    # The definition itself: originals at or above the threshold, copies left out.
    defined = _one(db, "SELECT count(*) FROM articles WHERE on_topic = 1 AND duplicate_of IS NULL")
    assert _one(db, "SELECT count(*) FROM articles WHERE on_topic = 1") > defined  # a copy
    seeds = _one(db, "SELECT count(*) FROM on_topic_articles WHERE source_kind = 'seed'")
    assert seeds == 5
    stories = _one(db, "SELECT count(*) FROM on_topic_stories")

    assert _number(r"(\d+) on the topic \(copies folded\)", printed) == defined
    assert _number(r"on the topic \(copies folded\) in (\d+) stories", printed) == stories
    per_outlet = [
        int(n) for n in re.findall(r"(?m)^  \w+ +\d+ articles, +(\d+) on the topic", printed)
    ]
    assert len(per_outlet) == 5 and sum(per_outlet) == defined

    summary = run_newswatch("summary", "--db", str(db)).stdout
    assert _number(r"on the topic: (\d+)", summary) == defined
    assert _number(r"in (\d+) stories", summary) == stories
    by_outlet = re.search(r"on the topic by outlet: (.*)", summary).group(1)
    assert sum(int(n) for n in re.findall(r"\d+", by_outlet)) == defined

    report = run_newswatch(
        "report", "--db", str(db), "--days", "3660", "--out", str(tmp_path / "r.html")
    ).stdout
    charted = _number(r"(\d+) on-topic articles over", report)
    undated = _number(r"\((\d+) undated\)", report)
    assert _number(r"of (\d+) on the topic in the store", report) == defined
    assert charted + undated == defined and undated == 2  # the two undated seeds

    # A crawl counts what it found: every on-topic article but the seed documents.
    status = run_newswatch("status", "--db", str(db)).stdout
    crawled = sum(int(n) for n in re.findall(r"(\d+) on the topic", status))
    assert crawled + seeds == defined
    crawl = run_newswatch(
        "crawl", "--replay", str(DEMO_DIR), "--db", str(tmp_path / "crawl.db")
    ).stdout
    assert sum(int(n) for n in re.findall(r"(\d+) on the topic", crawl)) + seeds == defined

    rescored = tmp_path / "rescored.db"
    shutil.copy(db, rescored)
    rescore = json.loads(run_newswatch("rescore", "--db", str(rescored)).stdout)
    assert rescore["on_topic_before"] == rescore["on_topic_after"] == defined

    view = _get(db, "/on_topic_articles.json?_size=0").json()
    assert view["filtered_table_rows_count"] == defined
    feed = feedparser.parse(_get(db, "/feed.atom").text)
    assert not feed.bozo and 0 < stories < 50
    assert len(feed.entries) == stories


def test_the_seed_documents_are_the_articles_they_are_and_never_news(demo):
    db, printed = demo
    conn = sqlite3.connect(db)
    try:
        seeds = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT id, outlet, title, canonical_url, source_kind FROM articles "
                "WHERE source_file IS NOT NULL"
            )
        }
        new_per_crawl = conn.execute(
            "SELECT outlet, articles_new FROM crawls ORDER BY outlet"
        ).fetchall()
        untitled = conn.execute(
            "SELECT count(*) FROM on_topic_articles WHERE title IS NULL OR outlet IS NULL"
        ).fetchone()[0]
    finally:
        conn.close()
    assert {i: (o, t) for i, (o, t, _, _) in seeds.items()} == SEED_ARTICLES
    assert {kind for *_, kind in seeds.values()} == {"seed"}
    assert seeds["80f9698f8040a783"][2] == SPUTNIK_SEED_URL
    assert untitled == 0
    # The seeds came with the Sputnik crawl, which found six articles, not eleven.
    assert dict(new_per_crawl) == {
        "moscowtimes": 7,
        "pravda": 6,
        "rbc": 6,
        "sputnik": 6,
        "unian": 6,
    }
    assert "31 new articles stored" in printed
    since = _get(db, "/new_on_topic_since.json?since=2000-01-01&_shape=array").json()
    assert since and not {r["id"] for r in since} & set(SEED_ARTICLES)


def test_describe_seed_reads_the_url_outlet_and_headline_from_the_text():
    for path in sorted(SEEDS.glob("*.txt")):
        article = read_seed_file(path, NOW.date()).article
        text = article.text
        describe_seed(article)
        assert (article.outlet, article.title) == SEED_ARTICLES[article.id]
        assert article.source_kind == "seed" and article.text == text  # the text untouched


def test_seeds_stored_by_an_older_version_are_described_on_upgrade(db_path):
    db = open_store(db_path)
    for path in sorted(SEEDS.glob("*.txt")):
        article = read_seed_file(path, NOW.date()).article
        normalise_article(article, NOW)
        save_article(db, article, NOW.isoformat())
    # As the version before m014 left them: untitled, no outlet, no source_kind column.
    for view in ("on_topic_stories", "stories", "on_topic_articles"):
        db.execute(f"DROP VIEW [{view}]")
    db.execute("ALTER TABLE articles DROP COLUMN source_kind")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm014_seed_documents'")
    db.conn.commit()
    db.close()
    db = open_store(db_path)
    rows = {
        r["id"]: (r["outlet"], r["title"], r["source_kind"])
        for r in db.query("SELECT * FROM articles")
    }
    assert rows == {i: (o, t, "seed") for i, (o, t) in SEED_ARTICLES.items()}
    assert db["articles"].get("80f9698f8040a783")["canonical_url"] == SPUTNIK_SEED_URL
    # Known by the outlet's article id too, as in a new store: the article under an edited
    # slug is not fetched and stored again.
    from newswatch.store import stored_first_seen

    edited = SPUTNIK_SEED_URL.rsplit("/", 1)[0] + "/nato-chief-edited-slug-1123626208.html"
    assert stored_first_seen(db, edited) is not None
    assert [m.name for m in migrations.pending(db)] == []
    db.close()


def _report(db, url: str, language: str, seen_at: str) -> Article:
    article = Article(
        url=url,
        language=language,
        title="Переговори в Женеві" if language == "uk" else "Переговоры в Женеве",
        text="Делегації провели переговори у Женеві щодо припинення війни.",
        published="2026-11-21T10:00:00+02:00",
        on_topic=True,
        relevance=0.9,
    )
    normalise_article(article, NOW)
    save_article(db, article, seen_at)
    return article


def test_the_feed_has_one_entry_per_story_updated_when_a_language_joins(db_path):
    db = open_store(db_path)
    first = _report(
        db, "https://www.unian.ua/politics/talks-14000001.html", "uk", "2026-11-21T08:00:00+00:00"
    )
    db.close()
    (entry,) = feedparser.parse(_get(db_path, "/feed.atom").text).entries
    assert entry.id == f"tag:newswatch,2026:story:{first.story_id}"
    assert entry.title == "Переговори в Женеві"
    assert entry.updated.startswith("2026-11-21T08:00:00")

    # The same article's Russian edition (UNIAN's editions share the article id) joins later.
    db = open_store(db_path)
    edition = _report(
        db, "https://www.unian.net/politics/talks-14000001.html", "ru", "2026-11-21T09:30:00+00:00"
    )
    db.close()
    assert edition.story_id == first.story_id
    (entry,) = feedparser.parse(_get(db_path, "/feed.atom").text).entries
    assert entry.id == f"tag:newswatch,2026:story:{first.story_id}"  # the same entry
    assert entry.updated.startswith("2026-11-21T09:30:00")  # updated when ru joined
    content = entry.summary if "summary" in entry else entry.content[0].value
    assert "unian (uk, 2026-11-21): Переговори в Женеві" in content
    assert "unian (ru, 2026-11-21): Переговоры в Женеве" in content
