"""One central function per key: canonical URL and article id."""

import hashlib

import pytest

from newswatch.keys import article_id, canonical_url

BASE = "https://pravda.com.ua/news/2025/12/01/8009697"


@pytest.mark.parametrize(
    "variant",
    [
        "https://www.pravda.com.ua/news/2025/12/01/8009697/",
        "http://www.pravda.com.ua/news/2025/12/01/8009697/",
        "HTTPS://WWW.PRAVDA.COM.UA/news/2025/12/01/8009697/",
        "https://m.pravda.com.ua/news/2025/12/01/8009697/",
        "https://www.pravda.com.ua/news/2025/12/01/8009697/#comments",
        "https://www.pravda.com.ua/news/2025/12/01/8009697/?utm_source=tg&utm_medium=social",
        "https://www.pravda.com.ua/news/2025/12/01/8009697/?fbclid=IwAR0abc",
        "https://www.pravda.com.ua:443/news/2025/12/01/8009697/",
        "https://www.pravda.com.ua/news/2025/12/01/8009697/amp/",
    ],
)
def test_url_variants_share_one_canonical_form_and_id(variant):
    assert canonical_url(variant) == BASE
    assert article_id(variant) == hashlib.sha256(BASE.encode()).hexdigest()[:16]


def test_meaningful_query_parameters_stay_and_are_sorted():
    assert canonical_url("https://x.ua/a?b=2&a=1&utm_campaign=z") == "https://x.ua/a?a=1&b=2"


def test_percent_escapes_are_normalised():
    assert canonical_url("https://x.ua/%d0%bd%d0%be%d0%b2%d0%b8%d0%bd%d0%b8") == canonical_url(
        "https://x.ua/новини"
    )


def test_ids_are_16_lowercase_hex():
    assert len(article_id("https://sputnikglobe.com/20260212/x-1123626208.html")) == 16
    assert article_id("https://a.com/1") != article_id("https://a.com/2")
