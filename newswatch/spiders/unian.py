"""UNIAN: unian.ua (Ukrainian), unian.net (Russian), unian.info (English)."""

import re

from newswatch.spiders.base import OutletSpider


class UnianSpider(OutletSpider):
    name = "unian"
    feeds = (
        "https://rss.unian.net/site/news_ukr.rss",
        "https://rss.unian.net/site/news_rus.rss",
        "https://rss.unian.net/site/news_eng.rss",
    )
    archive_pages = ("https://www.unian.ua/news/archive/%Y%m%d",)
    archive_links = (
        "div.list-thumbs__item a.list-thumbs__title::attr(href), "
        "div.publications-archive a.publication-title::attr(href)"
    )
    article_url = re.compile(r"-\d{8}\.html$|/\d{7,}-[^/]+\.html$")
