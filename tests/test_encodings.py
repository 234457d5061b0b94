"""A page's declared charset is checked against its bytes the same way in a crawl and in
`newswatch extract` (newswatch/encodings.py)."""

from __future__ import annotations

import json

import pytest
from conftest import run_newswatch
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newswatch.spiders.unian import UnianSpider

TEXT = "Переговоры России и США о прекращении огня в Женеве продолжились в четверг."


@pytest.mark.parametrize("declared", ["iso-8859-5", "ISO_8859-1", "windows-1251", "koi8-r"])
def test_utf8_sent_as_a_single_byte_charset_is_decoded_as_utf8(declared):
    """Scrapy reports the charset by its codec name (iso8859-5, cp1251): each is recognised."""
    response = HtmlResponse(
        "https://www.unian.net/politics/x-13219538.html",
        body=f"<html><body><p>{TEXT}</p></body></html>".encode(),
        headers={"Content-Type": f"text/html; charset={declared}"},
    )
    assert TEXT not in response.text  # mojibake, as Scrapy decodes it
    spider = UnianSpider.from_crawler(get_crawler(UnianSpider))
    assert TEXT in spider.page_text(response)
    assert spider.crawler.stats.get_value("newswatch/extraction/charset_corrected") == 1


def test_extract_decodes_an_undeclared_windows_1251_page_as_a_crawl_does(tmp_path):
    html = (
        "<html><head><title>Переговоры в Женеве</title></head><body><h1>Переговоры в Женеве</h1>"
        f"<div class='article-text'><p>{TEXT}</p></div></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_bytes(html.encode("cp1251"))
    result = run_newswatch("extract", str(path), "--url", "https://www.unian.net/x-12345678.html")
    assert result.returncode == 0, result.stderr
    article = json.loads(result.stdout)
    assert article["title"] == "Переговоры в Женеве" and article["text"] == TEXT
