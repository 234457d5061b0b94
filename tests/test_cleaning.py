"""Characters no output can carry (control characters, lone surrogates, non-characters) are
removed where text enters newswatch: the item pipeline and the seed reader."""

from __future__ import annotations

import asyncio
import json

from conftest import NOW, run_newswatch
from datasette.app import Datasette
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from newswatch.cleaning import clean_text
from newswatch.datasette.metadata import build_metadata
from newswatch.extraction import extract_article
from newswatch.pipelines.normalise import normalise_article
from newswatch.seedfile import read_seed_file
from newswatch.store import open_store, save_article

URL = "https://www.unian.info/politics/talks-13999997.html"
# JSON-LD as a page writes it: the escapes are JSON's, so json.loads makes a lone surrogate
# and a U+0001 out of them.
PAGE = (
    "<html><head><script type='application/ld+json'>"
    '{"@type": "NewsArticle", "headline": "Rubio and Lavrov\\u0001 meet\\ud800 in Geneva", '
    '"datePublished": "2026-11-20T10:00:00+02:00", "author": {"name": "Anna Ivanova\\udfff"}}'
    "</script></head><body><h1>Rubio and Lavrov meet in Geneva</h1>"
    "<div class='article-text'><p>The US and Russian diplomats met in Geneva\x0c on Thursday "
    "to discuss a ceasefire framework \ufffe for Ukraine.</p></div></body></html>"
)
FORBIDDEN = "\x00\x01\x08\x0b\x0c\x0e\x1f\x7f\x80\x85\x9f\ud800\udfff\ufffe\uffff\U0001fffe"


def test_clean_text_removes_what_xml_cannot_carry_and_keeps_the_rest():
    kept = "Tab\tline\nCRLF\r\nЖеневі \u00a0\ufeff\u200b€ \U0001f600"
    assert clean_text(kept) is kept  # nothing to remove: the same string, no copy
    assert clean_text("a" + FORBIDDEN + "b") == "ab"
    assert clean_text(None) is None


@given(st.text(st.characters(exclude_categories=())))  # surrogates and controls included
def test_whatever_the_text_the_cleaned_one_is_xml_compatible_utf8_and_stable(text):
    cleaned = clean_text(text)
    assert _xml_compatible(cleaned)
    cleaned.encode("utf-8")  # what SQLite needs
    assert clean_text(cleaned) == cleaned


def _xml_compatible(text: str) -> bool:
    try:
        etree.Element("x").text = text
    except ValueError:
        return False
    return True


def test_an_article_with_control_characters_and_a_lone_surrogate_is_stored(tmp_path):
    article = extract_article(PAGE, URL, now=NOW)
    normalise_article(article, NOW)
    for name in ("title", "text"):
        assert _xml_compatible(getattr(article, name)), name
    assert article.title == "Rubio and Lavrov meet in Geneva"
    assert article.authors == ["Anna Ivanova"]
    db = open_store(tmp_path / "nw.db")
    assert save_article(db, article, NOW.isoformat()) == "new"
    stored = db["articles"].get(article.id)
    assert stored["title"] == "Rubio and Lavrov meet in Geneva"
    assert json.loads(stored["authors"]) == ["Anna Ivanova"]


def test_the_atom_feed_stays_valid_xml_with_such_an_article(tmp_path):
    path = tmp_path / "nw.db"
    article = extract_article(PAGE, URL, now=NOW)
    normalise_article(article, NOW)
    article.on_topic, article.relevance = True, 0.9  # the feed lists on-topic articles
    db = open_store(path)
    save_article(db, article, NOW.isoformat())
    db.close()
    datasette = Datasette([str(path)], metadata=build_metadata("nw"))

    async def fetch():
        return await datasette.client.get("/nw/feed.atom")

    response = asyncio.run(fetch())
    assert response.status_code == 200, response.text[:300]
    feed = etree.fromstring(response.content)  # raises on anything that is not XML
    titles = feed.findall(
        ".//{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title"
    )
    assert [t.text for t in titles] == ["Rubio and Lavrov meet in Geneva"]


def test_a_seed_file_with_a_form_feed_is_imported_clean_with_a_warning(tmp_path):
    path = tmp_path / "001_00000000000000c1.txt"
    path.write_bytes(b" date 2026-11-20 Talks in Geneva.\n\x0c\nSecond page\x01.\n")
    seed = read_seed_file(path, NOW.date())
    assert seed.article.text == "Talks in Geneva.\n\nSecond page.\n"
    assert seed.article.date == "2026-11-20"
    assert any("control characters" in w for w in seed.warnings)


def test_extract_prints_a_page_with_a_lone_surrogate_without_a_traceback(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    result = run_newswatch("extract", str(path), "--url", URL)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    article = json.loads(result.stdout)
    assert article["title"] == "Rubio and Lavrov meet in Geneva"
    assert article["authors"] == ["Anna Ivanova"]


def test_a_text_told_clean_from_its_bytes_holds_no_character_to_remove():
    """The fast look at the UTF-8 bytes never passes a character the expression would remove:
    checked for every code point (a character's own bytes are what gives it away, so a whole
    text is passed only if each of its characters would be)."""
    import sys

    from newswatch.cleaning import _UNCARRIABLE, _surely_clean

    for code in range(sys.maxunicode + 1):
        text = f"a{chr(code)}б"
        if _UNCARRIABLE.search(text):
            assert not _surely_clean(text), hex(code)
    assert _surely_clean("Слово «в лапках»\n\tі\xa0ще")  # what most texts are
    assert not _surely_clean("a 😀") and clean_text("a 😀") == "a 😀"  # looked at, and kept
    assert clean_text("a\x85b\ufdd0c\U0001fffed") == "abcd"
