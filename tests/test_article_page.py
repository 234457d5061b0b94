"""The articles in Datasette, opened as an analyst opens them: `newswatch serve` on the demo store
and headless Chromium. An article's page reads like an article, the articles table page is light
and readable, and its search box leads to the search that finds every grammatical form, with
copies folded under their original."""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request

import pytest
from support.browser import chromium, serving

from newswatch.datasette import metadata as datasette_metadata

GENEVA = "8b6c2153bdc0a148"  # Sputnik: Lavrov, Rubio Hold Four-Hour Talks in Geneva ...
GENEVA_RBC_UK = "ffc47dec99cdc5a7"  # the same story, in Ukrainian
ENVOY_PRAVDA = "0d82ef20eae17480"  # Ukrainska Pravda: Макрон і Мерц пропонують ...
ENVOY_COPY = "c1c299989d135515"  # its copy at eurointegration.com.ua


@pytest.fixture(scope="session")
def server(demo_store):
    """`newswatch serve` on the demo store, on a free port of 127.0.0.1; the database's URL."""
    with serving(demo_store) as base:
        yield f"{base}/demo"


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    return chromium(tmp_path_factory.mktemp("chromium-profile"))


def between(page: str, start: str, end: str) -> str:
    return page[page.index(start) : page.index(end, page.index(start))]


def test_an_article_page_reads_like_an_article(browser, server, demo_store):
    page = browser.dom(f"{server}/articles/{GENEVA}")
    article = between(page, "<article", "</article>")
    assert re.search(r"<h1[^>]*>Lavrov, Rubio Hold Four-Hour Talks in Geneva", article)
    assert '<strong class="article-outlet">sputnik</strong>' in article
    assert '<time datetime="2026-11-19T17:48:00+00:00">2026-11-19 17:48 (+00:00)</time>' in article
    assert (
        'class="article-original" href="https://sputnikglobe.com/20261119/lavrov-rubio' in article
    )
    summary = between(article, '<details class="article-relevance">', "</summary>")
    assert (
        "<strong>On the topic</strong>:" in summary
        and "relevance 1.00; matched contact," in summary
    )
    assert "<li><strong>talks</strong> (west_russia_talks): title 1" in article
    assert "<li><strong>what the model weighed most</strong>" in article
    # the body in its paragraphs, as stored
    stored = json.loads(
        urllib.request.urlopen(f"{server}/articles/{GENEVA}.json?_shape=array").read()
    )
    body = between(article, '<div class="article-body">', "</div>")
    assert body.count("<p>") == len([p for p in stored[0]["text"].split("\n\n") if p.strip()]) > 3
    # its other-language reports of the story, linked
    editions = between(article, '<ul class="article-editions">', "</ul>")
    assert f'href="/demo/articles/{GENEVA_RBC_UK}"' in editions and "Рубіо і Лавров" in editions
    assert editions.count("<li") == 3  # rbc uk, unian ru, moscowtimes ru; not the English ones
    # internals stay in the exports, out of the page
    for internal in ("stems", "content_hash", "article_key", "sources"):
        assert stored[0][internal] and str(stored[0][internal]) not in page


def test_an_article_shows_its_copies_and_a_copy_its_original(browser, server):
    original = browser.dom(f"{server}/articles/{ENVOY_PRAVDA}")
    copies = between(original, '<ul class="article-copies">', "</ul>")
    assert "Copies (1)" in original and f'href="/demo/articles/{ENVOY_COPY}"' in copies
    copy = browser.dom(f"{server}/articles/{ENVOY_COPY}")
    assert re.search(
        rf'A copy of <a href="/demo/articles/{ENVOY_PRAVDA}">Макрон і Мерц пропонують', copy
    )


def test_the_articles_table_page_is_light_and_reads_title_first(browser, server):
    raw = urllib.request.urlopen(f"{server}/articles").read()
    print(f"articles table page of the demo: {len(raw):,} bytes")
    assert len(raw) < 100_000  # 352 KB before: every column of every article, the body too
    page = browser.dom(f"{server}/articles")
    headers = re.findall(r'<th [^>]*data-column="([^"]+)"', page)
    assert headers[0] == "title" and len(headers) <= 9
    assert not {"text", "stems", "content_hash", "matched", "sources"} & set(headers)
    # the title links to the article's own page
    assert f'<a href="/demo/articles/{GENEVA}">Lavrov, Rubio Hold' in page
    # the column notes are folded away
    notes = between(page, '<details class="column-notes">', "</details>")
    assert "<dt>stems</dt>" in notes and page.count('class="column-descriptions"') == 1
    # the story facet names stories by their headline, not their id
    facet = between(page, 'data-column="story_id"', "</ul>")
    assert "Lavrov, Rubio Hold Four-Hour Talks in Geneva" in facet
    assert not re.search(r">\s*[0-9a-f]{16}\s*<", facet)
    assert facet.count("<li") == 8 + 1  # eight stories, then "…" for the others


def test_the_exports_keep_every_column(server):
    rows = json.loads(urllib.request.urlopen(f"{server}/articles.json?_shape=array").read())
    assert {"text", "stems", "content_hash", "matched", "sources"} <= set(rows[0])
    csv_header = urllib.request.urlopen(f"{server}/articles.csv").read().decode().splitlines()[0]
    assert "stems" in csv_header.split(",") and "text" in csv_header.split(",")


def test_the_articles_search_box_finds_inflected_forms_with_copies_folded(browser, server):
    table = browser.dom(f"{server}/articles")
    form = re.search(
        r'<form class="article-search" action="([^"]+)"[^>]*>(.*?)</form>', table, re.S
    )
    assert form and form[1] == "/demo/search" and 'name="q"' in form[2]
    # What submitting it gives: the genitive Мерца finds the title's nominative Мерц
    page = browser.dom(f"{server}/search?" + urllib.parse.urlencode({"q": "Мерца"}))
    assert "td.col-title { min-width: 22em; }" in page  # the headline is not squeezed
    results = between(page, "<tbody>", "</tbody>")
    assert results.count("<tr") == 1  # the original; its copy folded into its row
    assert f'<a href="/demo/articles/{ENVOY_PRAVDA}">Макрон і Мерц' in results
    copies_at = between(results, '<ul class="copies-at">', "</ul>")
    assert f'<a href="/demo/articles/{ENVOY_COPY}">copy in pravda</a>' in copies_at
    assert "https://www.eurointegration.com.ua/news/2026/11/20/7239415/" in copies_at
    assert re.search(r'class="col-copies">\s*1\s*<', results)


def test_other_tables_keep_datasettes_own_page(browser, server):
    page = browser.dom(f"{server}/crawls")
    assert 'data-column="started"' in page and 'class="column-notes"' not in page
    row = urllib.request.urlopen(f"{server}/crawls/1").read().decode()
    assert "crawls: 1</h1>" in row and "newswatch-article" not in row


def test_a_screenshot_of_an_article_page(browser, server, tmp_path):
    shot = tmp_path / "article.png"  # docs/article.png is this picture
    browser.screenshot(f"{server}/articles/{GENEVA}", shot, "1280,1400")
    assert shot.stat().st_size > 50_000


def test_servers_of_other_versions_never_overwrite_each_others_metadata(tmp_path, monkeypatch):
    ours = datasette_metadata.write_metadata(tmp_path, "demo")
    before = ours.read_text()
    changed = datasette_metadata.build_metadata("demo") | {"title": "another version"}
    monkeypatch.setattr(datasette_metadata, "build_metadata", lambda database: changed)
    theirs = datasette_metadata.write_metadata(tmp_path, "demo")
    assert theirs != ours and ours.read_text() == before
    assert json.loads(theirs.read_text())["title"] == "another version"
