"""Sputnik International, sputnikglobe.com (English)."""

import re

from newswatch.spiders.base import OutletSpider


class SputnikSpider(OutletSpider):
    name = "sputnik"
    feeds = ("https://sputnikglobe.com/export/rss2/archive/index.xml",)
    sitemap_indexes = ("https://sputnikglobe.com/sitemap_article_index.xml",)
    article_url = re.compile(r"/\d{8}/[^/]+-\d{8,}\.html$|/\d{18}-[^/]+/?$")
