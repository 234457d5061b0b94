"""Language detection: Ukrainian and Russian told apart, on whole articles and on headlines."""

import csv

import pytest
from conftest import REPO

from newswatch.language import detect_language
from newswatch.seedfile import parse_seed_text

DEVSET = REPO / "tests" / "topic_devset"
ROWS = list(csv.DictReader((DEVSET / "labels.tsv").open(encoding="utf-8"), delimiter="\t"))


def _body(row) -> str:
    return parse_seed_text((DEVSET / row["file"]).read_text(encoding="utf-8")).body


def test_every_dev_set_article_is_detected_correctly():
    wrong = [r["file"] for r in ROWS if detect_language(_body(r)) != r["language"]]
    assert wrong == []


def test_every_dev_set_headline_alone_is_detected_correctly():
    wrong = [r["file"] for r in ROWS if detect_language(_body(r).split("\n")[0]) != r["language"]]
    assert wrong == []


@pytest.mark.parametrize(
    "text,language",
    [
        ("Рютте: кожен союзник може робити те, що роблять французи", "uk"),
        ("Рютте: каждый союзник может делать то, что делают французы", "ru"),
        ("Макрон назначил премьер-министром Себастьяна Лекорню", "ru"),
        ("Литва з 2026 року витрачатиме на оборону понад 5% ВВП", "uk"),
        ("NATO chief backs talks with Moscow", "en"),
        ("", None),
        ("12:45", None),
    ],
)
def test_short_texts(text, language):
    assert detect_language(text) == language


def test_cyrillic_letters_are_counted_by_their_utf8_lead_bytes():
    """detect_language counts the letters U+0400 to U+04FF by their UTF-8 lead bytes: the same
    count as matching them one by one, at the edges of the block and beside anything else
    (letters of the neighbouring blocks, other scripts, a lone surrogate)."""
    import re

    from newswatch.language import _cyrillic_letters

    text = "\u03ff\u0400\u04ff\u0500 Київ ӁӿЀ ab ß \u0600 日本 😀 \ud800 " * 3
    assert _cyrillic_letters(text) == len(re.findall(r"[\u0400-\u04ff]", text)) == 3 * 9
