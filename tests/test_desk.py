"""The analyst's desk in Datasette: the index page is the newest on-topic stories, each story
has a page with its reports in time order and the outlets that did not cover it, and both carry
inline SVG charts; `newswatch report` folds runs of empty days. On the demo store, in process
and in headless Chromium against `newswatch serve`."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import pytest
from conftest import REPO, run_newswatch
from datasette.app import Datasette
from lxml import html as lxml_html
from support.browser import chromium, serving

from newswatch.charts import day_slots, outlet_day_chart, story_spread_chart
from newswatch.datasette import desk as desk_module
from newswatch.datasette.metadata import build_metadata
from newswatch.outlets import OUTLETS
from newswatch.store import open_store

TITLES = {o.title for o in OUTLETS.values()}


def story_id(store: Path, headline_start: str) -> str:
    with sqlite3.connect(store) as conn:
        return conn.execute(
            "SELECT story_id FROM articles WHERE title LIKE ? AND story_id IS NOT NULL",
            [headline_start + "%"],
        ).fetchone()[0]


def page(store: Path, path: str):
    datasette = Datasette([str(store)], metadata=build_metadata(store.stem))
    return asyncio.run(datasette.client.get(path))


def tree(store: Path, path: str):
    response = page(store, path)
    assert response.status_code == 200, response.text[:500]
    return lxml_html.fromstring(response.text)


def text(element) -> str:
    return " ".join(element.text_content().split())


def desk_rows(doc) -> list[dict]:
    return [
        {
            "headline": text(row.cssselect("td.headline")[0]),
            "link": row.cssselect("td.headline a")[0].get("href"),
            "cells": [text(td) for td in row.cssselect("td")],
        }
        for row in doc.cssselect("tr.story")
    ]


def test_the_index_page_is_the_desk_of_on_topic_stories_newest_first(demo_store):
    rows = desk_rows(tree(demo_store, "/"))
    # The demo's two on-topic stories; the seed documents (no outlet, no title) are not stories
    # on the desk, and the off-topic NATO air-defence story is not either.
    assert [r["headline"][:20] for r in rows] == ["Macron, Merz call fo", "Rubio and Lavrov Hol"]
    envoy, geneva = rows
    assert envoy["link"] == "/story/" + story_id(demo_store, "Macron, Merz Propose")
    headline, broke, first, outlets, languages, reports, _spread = envoy["cells"]
    assert broke == "2026-11-20 11:30" and first == "UNIAN"
    assert set(outlets.split(", ")) == TITLES
    assert languages == "en, uk" and reports == "5 +1 copy"  # the eurointegration re-post
    assert geneva["cells"][1:] == [
        "2026-11-19 15:55",
        "UNIAN",
        geneva["cells"][3],
        "en, uk, ru",
        "6",
        geneva["cells"][6],
    ]


def test_the_desk_shows_the_newest_stories_and_says_how_many_there_are(demo_store, monkeypatch):
    monkeypatch.setattr(desk_module, "DESK_ROWS", 1)
    doc = tree(demo_store, "/")
    assert [r["headline"][:20] for r in desk_rows(doc)] == ["Macron, Merz call fo"]
    assert text(doc.cssselect(".desk p")[0]).startswith("The newest 1 of 2 stories")


def test_a_store_without_stories_says_how_to_get_some(tmp_path):
    empty = tmp_path / "newswatch.db"
    open_store(empty).close()
    doc = tree(empty, "/")
    assert not doc.cssselect("tr.story")
    assert "No on-topic story yet" in text(doc.cssselect(".desk")[0])


def test_a_store_of_an_older_version_not_yet_upgraded_still_opens_in_datasette(tmp_path):
    """`datasette data/newswatch.db` (the README's) on a store an older newswatch left: its
    `stories` view, but none of the views the desk reads. The index page opens, without the
    desk, rather than failing with a 500."""
    older = tmp_path / "newswatch.db"
    open_store(older).close()
    conn = sqlite3.connect(older)
    conn.executescript(
        "DROP VIEW on_topic_stories; DROP VIEW stories; "
        "CREATE VIEW stories AS SELECT story_id, max(on_topic) AS on_topic FROM articles "
        "GROUP BY story_id;"
    )
    conn.close()
    response = page(older, "/")
    assert response.status_code == 200, response.text[:300]
    assert "The desk" not in response.text
    story = page(older, "/story/0123456789abcdef")  # no desk for a story page: not found
    assert story.status_code == 404 and "No story 0123456789abcdef" in story.text


def test_each_story_on_the_desk_has_a_thumbnail_of_its_spread(demo_store):
    spreads = tree(demo_store, "/").cssselect("tr.story td.spread svg")
    # A dot per dated report, copies included: 5 reports and a copy, then 6 reports.
    assert [len(svg.cssselect("circle.report")) for svg in spreads] == [6, 6]
    assert all(len(svg.cssselect("line")) == len(OUTLETS) for svg in spreads)


@pytest.mark.parametrize("path", ["/", "/story/{geneva}"])
def test_the_desk_and_a_story_page_load_nothing_from_elsewhere(demo_store, path):
    """Everything works offline: no script, style sheet or image from another host."""
    doc = tree(demo_store, path.format(geneva=story_id(demo_store, "Lavrov, Rubio Hold")))
    loaded = [e.get("src") for e in doc.cssselect("script[src], img[src]")] + [
        e.get("href") for e in doc.cssselect("link[href]") if e.get("rel") != "alternate"
    ]  # an alternate link names the page's JSON; nothing loads it
    assert loaded and all(url.startswith("/") for url in loaded), loaded
    assert doc.cssselect(".chart svg")


def test_the_desk_is_a_canned_query_too(demo_store):
    response = page(demo_store, "/demo/desk.json?_shape=array")
    assert [r["headline"][:20] for r in response.json()] == [
        "Macron, Merz call fo",
        "Rubio and Lavrov Hol",
    ]


def test_the_desk_charts_on_topic_articles_per_outlet_per_day(demo_store):
    svg = tree(demo_store, "/").cssselect(".desk .chart svg")[0]
    bars = [text(bar) for bar in svg.cssselect("rect.bar")]
    assert "moscowtimes, 2026-11-19: 2" in bars and len(bars) == 10
    # 22 October to 18 November held no on-topic article: one gap marker, not 28 empty days.
    assert [text(g.cssselect("title")[0]) for g in svg.cssselect("g.gap")] == [
        "2026-10-22 – 2026-11-18: none (28 days)"
    ]


def test_a_story_page_lists_its_reports_in_time_order(demo_store):
    geneva = story_id(demo_store, "Lavrov, Rubio Hold")
    doc = tree(demo_store, f"/story/{geneva}")
    assert text(doc.cssselect("h1")[0]) == (
        "Rubio and Lavrov Hold Four Hours of Ukraine Ceasefire Talks in Geneva"
    )
    reports = doc.cssselect("li.report")
    metas = [text(r.cssselect(".meta")[0]) for r in reports]
    times = [m.split(" · ")[2] for m in metas]
    assert len(reports) == 6 and times == sorted(times)
    assert "2026-11-19 17:48:00 UTC (+1.9 h)" in metas[-1]  # Sputnik, last, 1.9 h after UNIAN
    assert metas[0].startswith("UNIAN · ru · 2026-11-19 15:55:00 UTC")
    assert [m.split(" · ")[0] for m in metas] == [
        "UNIAN",
        "The Moscow Times",
        "RBC-Ukraine",
        "The Moscow Times",
        "Ukrainska Pravda",
        "Sputnik International",
    ]
    first_title = reports[0].cssselect(".title a")[0]
    assert first_title.get("href").startswith("https://www.unian.net/")
    assert text(first_title).startswith("Переговоры Рубио и Лаврова в Женеве")
    assert text(reports[0].cssselect(".lead")[0]).startswith("Стороны обсуждали")
    assert text(doc.cssselect(".coverage")[0]) == "Covered by all 5 outlets."
    dots = doc.cssselect(".chart svg circle.report")
    assert len(dots) == 6


def test_a_story_page_names_the_outlets_that_did_not_cover_it(demo_store):
    air_defence = story_id(demo_store, "NATO Approves New")
    doc = tree(demo_store, f"/story/{air_defence}")
    assert text(doc.cssselect(".coverage")[0]) == "Not covered by: Ukrainska Pravda"
    assert "(off the topic)" in text(doc.cssselect("h1 + p")[0])


def test_a_story_page_shows_a_copy_as_a_copy(demo_store):
    envoy = story_id(demo_store, "Macron, Merz Propose")
    doc = tree(demo_store, f"/story/{envoy}")
    copies = doc.cssselect("li.report.copy")
    assert len(copies) == 1 and "copy of" in text(copies[0].cssselect(".meta")[0])
    assert "eurointegration.com.ua" in copies[0].cssselect(".title a")[0].get("href")
    hollow = doc.cssselect('.chart svg circle.report[fill="white"]')
    assert len(hollow) == 1


def test_an_unknown_story_is_not_found(demo_store):
    response = page(demo_store, "/story/0000000000000000")
    assert response.status_code == 404 and "No story 0000000000000000" in response.text


def test_runs_of_empty_days_fold_into_one_gap_each():
    dates = [f"2026-11-{d:02d}" for d in range(1, 11)]
    counts = {"unian": {"2026-11-02": 3, "2026-11-03": 1, "2026-11-09": 2}, "rbc": {}}
    slots = day_slots(dates, counts)
    assert [(s.first, s.last, s.gap) for s in slots] == [
        ("2026-11-01", "2026-11-01", True),
        ("2026-11-02", "2026-11-02", False),
        ("2026-11-03", "2026-11-03", False),
        ("2026-11-04", "2026-11-08", True),
        ("2026-11-09", "2026-11-09", False),
        ("2026-11-10", "2026-11-10", True),
    ]
    assert slots[3].label == "2026-11-04 – 2026-11-08: none (5 days)"
    svg = lxml_html.fromstring(outlet_day_chart(slots, list(counts)))
    assert len(svg.cssselect("g.gap")) == 3 and len(svg.cssselect("rect.bar")) == 3


def test_the_spread_chart_has_a_row_for_every_outlet_and_a_dot_per_dated_report():
    reports = [
        {"outlet": "unian", "language": "uk", "published_utc": "2026-11-19 15:55:00"},
        {"outlet": "sputnik", "language": "en", "published_utc": "2026-11-19 17:55:00"},
        {"outlet": "sputnik", "language": "en", "published_utc": None},
        {
            "outlet": "unian",
            "language": "uk",
            "published_utc": "2026-11-19 16:00:00",
            "duplicate_of": "x",
        },
    ]
    svg = lxml_html.fromstring(story_spread_chart(reports))
    assert {text(t) for t in svg.cssselect("text")} >= TITLES
    dots = svg.cssselect("circle.report")
    assert len(dots) == 3 and [d.get("fill") for d in dots].count("white") == 1
    xs = sorted(float(d.get("cx")) for d in dots)
    assert xs[0] < xs[1] < xs[2]  # earliest left, latest right
    assert "(+2.0 h)" in text(svg)


def test_report_folds_a_run_of_empty_days_into_one_line(demo_store, tmp_path):
    out = tmp_path / "report.html"
    result = run_newswatch("report", "--db", str(demo_store), "--out", str(out))
    assert result.returncode == 0, result.stderr
    doc = lxml_html.fromstring(out.read_text())
    assert [text(r) for r in doc.cssselect("tr.gap")] == ["2026-10-22 – 2026-11-18: none (28 days)"]
    assert [
        text(r.cssselect("td")[0])
        for r in doc.cssselect("tr")[1:]
        if "gap" not in (r.get("class") or "")
    ] == ["2026-11-19", "2026-11-20"]
    assert len(doc.cssselect("svg g.gap")) == 1 and "<script" not in out.read_text()


def test_the_desk_a_story_and_its_chart_in_headless_chromium(demo_store, tmp_path):
    browser = chromium(tmp_path / "profile")
    docs = REPO / "docs" if os.environ.get("NEWSWATCH_WRITE_DOCS") else tmp_path
    geneva = story_id(demo_store, "Lavrov, Rubio Hold")
    with serving(demo_store) as base:
        desk = lxml_html.fromstring(browser.dom(base + "/"))
        rows = desk_rows(desk)
        assert len(rows) == 2 and rows[1]["link"] == f"/story/{geneva}"
        assert len(desk.cssselect(".desk .chart svg rect.bar")) == 10
        story = lxml_html.fromstring(browser.dom(base + rows[1]["link"]))
        assert text(story.cssselect("h1")[0]).startswith("Rubio and Lavrov Hold Four Hours")
        assert len(story.cssselect("li.report")) == 6
        assert len(story.cssselect(".chart svg circle.report")) == 6
        for name, url, size in (
            ("desk.png", base + "/", "1280,1000"),
            ("story.png", base + rows[1]["link"], "1280,1300"),
        ):
            shot = browser.screenshot(url, docs / name, size)
            assert shot.stat().st_size > 30_000
