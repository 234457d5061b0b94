"""The Moscow Times: www.themoscowtimes.com (English) and its Russian service, moscowtimes.ru."""

import re

from newswatch.spiders.base import OutletSpider


class MoscowtimesSpider(OutletSpider):
    name = "moscowtimes"
    feeds = ("https://www.themoscowtimes.com/rss/news", "https://www.moscowtimes.ru/rss/news")
    news_sitemaps = ("https://static.themoscowtimes.com/sitemap/news.xml",)
    sitemap_indexes = ("https://static.themoscowtimes.com/sitemap/sitemap.xml",)
    article_url = re.compile(r"/\d{4}/\d{2}/\d{2}/[^/]+-a\d+/?$")
