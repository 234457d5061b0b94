"""What each outlet's pages need beyond structured data: its own selectors (from the structure
facts in ../shared/fixtures/README.md), the clutter it adds, its site names, and the date its
article URLs carry. Declarations only; `extraction.article` applies them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from newswatch.outlets import KYIV


@dataclass(frozen=True)
class OutletRules:
    """CSS selectors, tried in order. A selector ending in ::attr(x) gives that attribute;
    otherwise the element's text. `body` matches either paragraph elements or containers."""

    site_names: tuple[str, ...] = ()
    title: tuple[str, ...] = ()
    lead: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    section: tuple[str, ...] = ()
    published: tuple[str, ...] = ()
    epoch: tuple[str, ...] = ()
    """Where the page writes its publication time as epoch seconds: unambiguous, so a string
    time that disagrees with it (a wrong zone) gives way."""
    image: tuple[str, ...] = ()
    url_date: Callable[[str], date | datetime | None] | None = None
    page_config: Callable[[str], dict[str, str | list[str]]] | None = None
    """Fields from a script the outlet embeds in its pages (values as the page writes them)."""


def _ymd(pattern: str) -> Callable[[str], date | None]:
    regex = re.compile(pattern)

    def url_date(url: str) -> date | None:
        match = regex.search(url)
        if not match:
            return None
        digits = "".join(match.groups())
        try:
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
        except ValueError:
            return None

    return url_date


def _rbc_epoch(url: str) -> datetime | None:
    """RBC-Ukraine's 10-digit URL suffix is the publication time as a Unix epoch (UTC)."""
    match = re.search(r"-(\d{10})\.html?$", url.split("?")[0])
    if not match:
        return None
    return datetime.fromtimestamp(int(match.group(1)), tz=UTC).astimezone(KYIV)


_IO_CONFIG = re.compile(r"_io_config\[[^\]]*\]\.push\(\{(.*?)\}\);", re.S)
_IO_FIELD = re.compile(r"^\s*(\w+)\s*:\s*(.+?),?\s*$", re.M)


def _pravda_io_config(html: str) -> dict[str, str | list[str]]:
    """The `window._io_config` object on Ukrainska Pravda's platform (and its sister sites):
    article_categories is the section, article_publication_date an RFC 2822 time."""
    match = _IO_CONFIG.search(html)
    if not match:
        return {}
    import json

    fields: dict[str, str | list[str]] = {}
    for name, raw in _IO_FIELD.findall(match.group(1)):
        try:
            fields[name] = json.loads(raw.replace("&quot;", '"'))
        except ValueError:
            continue
    return fields


_sputnik_new = _ymd(r"/(\d{4})(\d{2})(\d{2})/[^/]+-\d{8,}\.html")
_sputnik_old = _ymd(r"/(\d{4})(\d{2})(\d{2})\d{10}-")

RULES: dict[str, OutletRules] = {
    "sputnik": OutletRules(
        site_names=("Sputnik International", "Sputnik", "Sputnik Arabic", "Sputnik Globe"),
        title=("h1.article__title", "div.b-article__header h1", "h1"),
        lead=("div.article__announce-text", "div.b-article__lead"),
        body=(
            "div.article__body div.article__text",
            "div.article__body div.article__quote-text",
            "div.b-article__text",
        ),
        remove=(
            "div.article__info",
            "div.article__meta",
            "div.article__footer",
            "div.article__article",
            "div.article__block[data-type=article]",
            "div.b-inject",
            "div.b-article__refs",
        ),
        authors=(
            "div.article__meta [itemprop=author] [itemprop=name]::attr(content)",
            "div.article__meta [itemprop=author] [itemprop=name]",
            "div.article__author-name",
            ".b-article__refs-author a",
        ),
        tags=("div.article__footer li.tag", ".b-article__refs-tags a"),
        section=("div.article__meta [itemprop=genre]::attr(content)", "a.b-article__refs-rubric"),
        published=(
            "div.article__meta [itemprop=datePublished]::attr(content)",
            "[data-unixtime]::attr(data-unixtime)",
        ),
        epoch=("[data-unixtime]::attr(data-unixtime)",),
        image=(
            "div.article__announce img::attr(src)",
            "div.b-article__header img[itemprop=associatedMedia]::attr(src)",
        ),
        url_date=lambda url: _sputnik_new(url) or _sputnik_old(url),
    ),
    "rbc": OutletRules(
        site_names=("РБК-Україна", "РБК-Украина", "RBC-Ukraine", "РБК Україна"),
        title=("article > h1", "div.publication-text-area.text-container h1", "h1"),
        lead=("div.publication-lead p", "div.publication-lead"),
        body=(
            "div.publication-sticky-container p",
            "div.publication-sticky-container li",
            "div.txt p",
        ),
        remove=(
            "span.lang-publication",
            "div.share",
            "div.read-in-google",
            "div.intext-tags",
            "div.publication-social",
            "[id*=read_more]",
            "div.publication-lead",
            "div.publication-tags",
            "div.publication-img-wrapper",
        ),
        authors=("div.publication-author a", "div.publication-author", "span.author a"),
        tags=("div.publication-tags a", "div.tags a"),
        section=("div.publication-rubric a", "a.publication-rubric"),
        published=("div.publication-date time::attr(datetime)", "time::attr(datetime)"),
        image=(
            "div.publication-img-wrapper img::attr(data-src)",
            "div.publication-img-wrapper img::attr(src)",
        ),
        url_date=_rbc_epoch,
    ),
    "unian": OutletRules(
        site_names=("УНІАН", "УНИАН", "UNIAN"),
        title=("h1.article__title", "h1"),
        lead=("p.article__like-h2",),
        body=("div.article-text",),
        remove=(
            "div.read-also-slider",
            "div.nts-video-wrapper",
            "p.article__like-h2",
            "div.article-text .read-also",
            "div.article__tags",
            "div.article__author",
        ),
        authors=(
            "div.article__author-name a",
            "div.article__author-name",
            "a.article__author-name",
            "span.article__author-name",
        ),
        tags=("div.article__tags a",),
        section=("a.article__info-item.gray-marker",),
        published=("div.article__info time::attr(datetime)", "time::attr(datetime)"),
        image=("div.article-text img::attr(data-src)",),
    ),
    "pravda": OutletRules(
        site_names=(
            "Українська правда",
            "Украинская правда",
            "Ukrainska Pravda",
            "Європейська правда",
            "Европейская правда",
            "European Pravda",
            "Економічна правда",
            "Экономическая правда",
            "Economic Pravda",
        ),
        title=("h1.post_news_title", "h1.post_article_title", "h1.post_title", "h1"),
        lead=("div.post_news_lead", "div.post_article_lead"),
        body=("div.post_news_text", "div.post_article_text", "div.post_text"),
        remove=(
            "div.post_news_photo_captain",
            "div.post__report",
            "div.block_related",
            "div.block_comments",
            "div.post_news_tags",
            "div.post__tags",
            "div.post_tags",
            "div.post_news_author",
            "div.post_article_author",
        ),
        authors=(
            "div.post_news_date span.post_news_author a",
            "span.post_news_author",
            "div.post_article_author a.post_article_author_item",
        ),
        tags=("div.post_news_tags > a", "div.post__tags a", "span.post_tags_item a"),
        section=(),
        published=(),
        image=("img.post_photo_news_img::attr(src)",),
        url_date=_ymd(r"/(\d{4})/(\d{2})/(\d{2})/\d{5,}"),
        page_config=_pravda_io_config,
    ),
    "moscowtimes": OutletRules(
        site_names=(
            "The Moscow Times",
            "The Moscow Times in Russian",
            "The Moscow Times - Independent News From Russia",
        ),
        title=("header.article__header h1", "article.article h1", "h1", "article.sochi_article h2"),
        lead=("header.article__header h2", "div.article__intro"),
        body=(
            "div.article__content > div.article__block--html",
            "div.article__content",
            "div.article_text",
        ),
        remove=(
            "aside.sidebar",
            "section.cluster",
            "div.article__disclaimer",
            "div.article__tags",
            "div.article__byline",
            "figure.article__featured-image",
            "div.article__block--image",
            "div.article__block--embed",
            "[class*=label--]",
            "div.article__intro",
        ),
        authors=(".byline__author a.byline__author__name", ".byline__author__name"),
        tags=("div.article__tags a",),
        section=(),
        published=("ul.sochi_article_info li",),  # the legacy platform: "Jan. 14 2014 00:00"
        image=(
            "figure.article__featured-image img::attr(src)",
            "div.article_main_img img::attr(src)",
        ),
        url_date=_ymd(r"/(\d{4})/(\d{2})/(\d{2})/[^/]+"),
    ),
}
