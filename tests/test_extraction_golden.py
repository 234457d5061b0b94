"""Extraction against golden expected outputs written by hand from each page.

Every real page under ../shared/fixtures that belongs to an outlet has a golden in
tests/golden/real/, and every hand-written demo page one in tests/golden/handwritten/. Fields are
compared one by one; the body by its first and last paragraph, its paragraph count, and the
absence of every piece of boilerplate the golden's author saw on the page.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import NOW, REPO, SHARED

from newswatch.extraction import extract_article
from newswatch.keys import canonical_url

GOLDEN = REPO / "tests" / "golden"
GOLDENS = sorted(GOLDEN.glob("*/*/*.json"))
SCALARS = ("outlet", "language", "title", "lead", "section", "published", "date")


def _page(golden: dict) -> Path:
    fixture = golden["fixture"]
    return SHARED / fixture if fixture.startswith("fixtures/") else REPO / fixture


def _html(path: Path) -> str:
    from w3lib.encoding import html_to_unicode

    return html_to_unicode(None, path.read_bytes())[1]


@pytest.fixture(params=GOLDENS, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.stem}")
def case(request, shared):
    golden = json.loads(request.param.read_text())
    article = extract_article(_html(_page(golden)), golden["url"], now=NOW)
    return golden, article


def test_there_is_a_golden_for_every_real_outlet_page(shared):
    pages = {
        p.relative_to(shared).as_posix()
        for p in shared.glob("fixtures/*/*.html")
        if "sitemap" not in p.name
    }
    covered = {json.loads(g.read_text())["fixture"] for g in GOLDENS}
    assert pages <= covered


def test_there_is_a_golden_for_every_hand_written_article_page():
    pages = {p.relative_to(REPO).as_posix() for p in REPO.glob("newswatch/demo/*/article/*.html")}
    covered = {json.loads(g.read_text())["fixture"] for g in GOLDENS}
    assert pages == pages & covered


def test_scalar_fields(case):
    golden, article = case
    for name in SCALARS:
        if name in golden:
            assert getattr(article, name) == golden[name], name


def test_canonical_url_and_image(case):
    golden, article = case
    assert article.canonical_url == canonical_url(golden["canonical_url"])
    if golden.get("image"):
        assert article.image == golden["image"]


def test_authors_and_tags(case):
    golden, article = case
    assert article.authors == golden["authors"]
    assert [t.casefold() for t in article.tags] == [t.casefold() for t in golden["tags"]]


def test_body_first_and_last_paragraph_and_count(case):
    golden, article = case
    paragraphs = article.text.split("\n\n")
    assert paragraphs[0] == golden["first_paragraph"]
    assert paragraphs[-1] == golden["last_paragraph"]
    if "paragraph_count" in golden and "paragraph_count_note" not in golden:
        assert len(paragraphs) == golden["paragraph_count"]


def test_body_has_no_boilerplate(case):
    golden, article = case
    for piece in golden["boilerplate"]:
        assert piece not in article.text, piece
    for phrase in golden.get("body_text_contains", []):
        assert phrase in article.text, phrase


def test_whole_body_equals_the_golden_body(request, case):
    golden, article = case
    body = GOLDEN / f"{request.node.callspec.id}.body.txt"
    assert body.is_file(), f"no golden body {body}"
    assert article.text == body.read_text(encoding="utf-8")
