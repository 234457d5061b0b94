"""Fuzzing: extraction and the feed and sitemap parsers on thousands of mutated and random
inputs raise nothing but newswatch's own documented errors (ExtractionError, DiscoveryError,
EncodingError, SeedFileError), and none hangs (each example has a deadline)."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from pathlib import Path

from conftest import NOW, REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newswatch.discovery import DiscoveryError, parse_feed, parse_sitemap
from newswatch.encodings import EncodingError, decode_bytes
from newswatch.extraction import ExtractionError, extract_article

FUZZ = settings(
    max_examples=1000,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PAGES = sorted((REPO / "newswatch" / "demo").glob("*/article/*.html"))
FEEDS = sorted(
    p
    for p in (REPO / "newswatch" / "demo").glob("*/*/*")
    if p.parent.name in ("feed", "sitemap") and p.suffix != ".json"
)
URLS = [
    "https://www.unian.ua/politics/x-13219538.html",
    "https://sputnikglobe.com/20261119/x-1124187563.html",
    "https://www.pravda.com.ua/news/2026/11/20/8076402/",
    "https://example.com/a",
    "https://www.themoscowtimes.com/2026/11/19/x-a93412",
    "https://www.rbc.ua/ukr/news/x-1795106427.html",
]


@st.composite
def mutated(draw, sources: list[Path]) -> bytes:
    """A saved page or feed with bytes cut, repeated, inserted or replaced."""
    data = bytearray(draw(st.sampled_from(sources)).read_bytes())
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["cut", "dup", "insert", "flip", "truncate"]))
        if action == "cut":
            del data[at : at + draw(st.integers(1, 2000))]
        elif action == "dup":
            data[at:at] = data[at : at + draw(st.integers(1, 500))]
        elif action == "insert":
            data[at:at] = draw(
                st.sampled_from(
                    [
                        b"<",
                        b">",
                        b"</div>",
                        b"<p>",
                        b"<script type='application/ld+json'>{",
                        b"&#x0;",
                        b"\x00",
                        b"\xff\xfe",
                        b"]]>",
                        b"<![CDATA[",
                        b"<!DOCTYPE x [<!ENTITY a 'b'>]>",
                        "Читайте також".encode(),
                        b'"datePublished": "9999-99-99"',
                        b"\xd0",
                    ]
                )
            )
        elif action == "flip":
            data[at] = draw(st.integers(0, 255))
        else:
            del data[at:]
    return bytes(data)


@FUZZ
@given(page=mutated(PAGES), url=st.sampled_from(URLS))
def test_extraction_of_mutated_pages_raises_only_its_own_error(page, url):
    try:
        text, _ = decode_bytes(page)
    except EncodingError:
        text = page.decode("utf-8", "replace")
    try:
        article = extract_article(text, url, now=NOW)
    except ExtractionError:
        return
    assert article.id and isinstance(article.text, str)


@FUZZ
@given(html=st.text(max_size=3000), url=st.sampled_from(URLS))
def test_extraction_of_random_text_raises_only_its_own_error(html, url):
    with contextlib.suppress(ExtractionError):
        extract_article(html, url, now=NOW)


@FUZZ
@given(body=st.one_of(mutated(FEEDS), st.binary(max_size=4000)))
def test_feed_and_sitemap_parsers_raise_only_discovery_error(body):
    for parse in (parse_feed, parse_sitemap):
        with contextlib.suppress(DiscoveryError):
            parse(body)


@FUZZ
@given(data=st.binary(max_size=3000))
def test_decoding_raises_only_encoding_error(data):
    try:
        text, encoding = decode_bytes(data)
    except EncodingError:
        return
    assert isinstance(text, str) and encoding
