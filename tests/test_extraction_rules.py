"""Extraction rules that no saved page shows on its own, each on a small hand-written page."""

from __future__ import annotations

import pytest
from conftest import NOW
from lxml import etree

from newswatch.extraction import ExtractionError, extract_article
from newswatch.extraction.text import drop_clutter
from newswatch.keys import canonical_url


def page(head: str = "", body: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


BODY = "<div class='post_news_text'><p>Перший абзац про переговори.</p><p>Другий абзац.</p></div>"


def test_a_canonical_url_on_a_sister_domain_is_kept():
    html = page(
        '<link rel="canonical" href="https://champion.com.ua/football/2026/11/19/1/">',
        "<h1 class='post_news_title'>Матч</h1>" + BODY,
    )
    article = extract_article(html, "https://www.pravda.com.ua/news/2026/11/19/8076000/", now=NOW)
    assert article.canonical_url == canonical_url("https://champion.com.ua/football/2026/11/19/1/")
    assert article.outlet == "pravda" and article.sources["canonical_url"] == "link"


def test_a_future_date_is_rejected_and_the_url_date_stands_in():
    html = page(
        '<meta property="article:published_time" content="2031-01-01T10:00:00+02:00">',
        "<h1>T</h1>" + BODY,
    )
    article = extract_article(html, "https://www.pravda.com.ua/news/2026/11/19/8076000/", now=NOW)
    assert article.published is None
    assert (article.date, article.sources["date"]) == ("2026-11-19", "url")


def test_a_date_that_contradicts_the_url_is_skipped():
    html = page(
        '<meta property="article:published_time" content="2019-03-01T10:00:00+02:00">',
        "<h1>T</h1>" + BODY,
    )
    article = extract_article(html, "https://www.pravda.com.ua/news/2026/11/19/8076000/", now=NOW)
    assert article.date == "2026-11-19"
    assert "disagrees" in article.sources["published_check"]


def test_rbc_unix_time_suffix_is_the_fallback_publication_time():
    html = page(
        body="<article><h1>Заголовок</h1><div class='publication-sticky-container'>"
        "<p>Текст новини.</p></div></article>"
    )
    article = extract_article(html, "https://www.rbc.ua/ukr/news/x-1795106427.html", now=NOW)
    assert article.published == "2026-11-19T18:40:27+02:00"  # the epoch, in Kyiv time
    assert article.sources["published"] == "url"


def test_json_ld_that_is_not_json_is_counted_and_the_rest_of_the_page_used():
    html = page(
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>'
        '<meta property="og:title" content="Rutte backs talks | Sputnik International">',
        BODY,
    )
    article = extract_article(html, "https://sputnikglobe.com/20261119/x-1124187563.html", now=NOW)
    assert article.title == "Rutte backs talks"
    assert article.sources["json-ld_invalid_blocks"] == "1"


def test_bylines_become_names_of_people():
    html = page(
        '<meta name="author" content="Finian Cunningham. Sputnik International">',
        "<h1>Royal Self-Indicting Arrogance</h1>" + BODY,
    )
    article = extract_article(html, "https://sputnikglobe.com/20261119/x-1124187563.html", now=NOW)
    assert article.authors == ["Finian Cunningham"]
    html = page(
        body="<h1>T</h1><div class='article__byline byline'><span class='byline__author'>"
        "By <a class='byline__author__name'>Jonas Becker</a> and "
        "<a class='byline__author__name'>Olga Tarasova</a></span></div>"
        "<div class='article__content'><p>Text.</p></div>"
    )
    article = extract_article(html, "https://www.themoscowtimes.com/2026/11/19/x-a1", now=NOW)
    assert article.authors == ["Jonas Becker", "Olga Tarasova"]


@pytest.mark.parametrize("html", ["", "<html><body><nav>Menu</nav></body></html>", "%PDF-1.4 \x00"])
def test_a_page_with_no_article_raises_extraction_error(html):
    with pytest.raises(ExtractionError, match="no article"):
        extract_article(html, "https://www.unian.ua/x-12345678.html", now=NOW)


def test_control_characters_in_a_page_do_not_crash_extraction():
    html = page(
        '<meta \x01roperty="og:title" content="T\x00itle">', "<h1>Заголовок\x0b</h1>" + BODY
    )
    article = extract_article(html, "https://www.pravda.com.ua/news/2026/11/19/8076000/", now=NOW)
    assert article.title == "Заголовок"


def test_xml_safe_replaces_exactly_what_xml_strings_may_not_hold():
    """xml_safe checks the bytes first (fast, and most pages have nothing to replace); whatever
    the text, it must give what replacing every forbidden character would."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from newswatch.extraction.text import _NOT_XML, xml_safe

    forbidden = st.sampled_from(["\x00", "\x01", "\x1f", "\x7f", "\ud800", "\udfff", "\ufffe"])
    texts = st.lists(st.one_of(st.text(max_size=20), forbidden), max_size=12).map("".join)

    @settings(max_examples=500, deadline=None)
    @given(texts)
    def same(text):
        assert xml_safe(text) == _NOT_XML.sub(" ", text)

    same()
    page = "<p>Привіт, світ</p>" * 1000
    assert xml_safe(page) is page  # nothing to replace: the same string, not a copy


def test_a_body_nested_deeper_than_libxml2s_default_limit_is_extracted():
    """libxml2 stops at 255 levels unless told otherwise (huge_tree); the general extractor's
    parse must not drop what lies deeper."""
    paragraph = "<p>Paragraph {} of the report: the diplomats met in Geneva to discuss a truce.</p>"
    body = "".join(paragraph.format(i) for i in range(6))
    html = page(
        body="<div>" * 320 + f"<h1>Talks in Geneva</h1><article>{body}</article>" + "</div>" * 320
    )
    url = "https://sputnikglobe.com/20261119/talks-1120000000.html"  # no body selector matches
    article = extract_article(html, url, now=NOW)
    assert article.sources["text"] == "generic"
    assert article.text.count("Paragraph") == 6 and "Paragraph 5 of the report" in article.text


def _every_page(shared) -> list[tuple[str, str]]:
    """(url, html) of every page at hand: the demo's, the real outlet pages, the extraction
    benchmark's."""
    import gzip
    import json

    from conftest import REPO
    from w3lib.encoding import html_to_unicode

    paths = [*REPO.glob("newswatch/demo/*/article/*.html"), *shared.glob("fixtures/*/*.html")]
    pages = [
        (f"https://example.com/{p.name}", html_to_unicode(None, p.read_bytes())[1]) for p in paths
    ]
    truth = json.loads((shared / "extraction-benchmark" / "ground-truth.json").read_text())
    for key, item in sorted(truth.items()):
        body = gzip.decompress(
            (shared / "extraction-benchmark" / "html" / f"{key}.html.gz").read_bytes()
        )
        pages.append((item["url"], html_to_unicode(None, body)[1]))
    return pages


def test_clutter_is_what_the_clutter_selector_selects(shared):
    """drop_clutter tells clutter in Python (is_clutter) rather than with CLUTTER's selectors:
    on every element of every page at hand, the two agree, and they do find clutter."""
    from newswatch.extraction.outlets import RULES
    from newswatch.extraction.text import CLUTTER, css, is_clutter, parse_html, xml_safe

    found = 0
    for url, html in _every_page(shared):
        root = parse_html(xml_safe(html), url)
        selected = css(root, CLUTTER)
        assert [e for e in root.iter(etree.Element) if is_clutter(e)] == selected, url
        found += len(selected)
        for rules in RULES.values():  # with each outlet's own selectors too, on a copy
            copy = parse_html(xml_safe(html), url)
            expected = parse_html(xml_safe(html), url)
            selector = ", ".join([CLUTTER, *rules.remove])
            for node in css(expected, selector):
                if node is not expected and node.getparent() is not None:
                    node.drop_tree()
            drop_clutter(copy, rules.remove)
            assert etree.tostring(copy) == etree.tostring(expected), url
    assert found > 1000
