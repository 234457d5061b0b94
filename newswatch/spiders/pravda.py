"""Ukrainska Pravda: pravda.com.ua with its /rus/ and /eng/ editions, and its sister site
eurointegration.com.ua, which carries much of the topic."""

import re

from newswatch.spiders.base import OutletSpider


class PravdaSpider(OutletSpider):
    name = "pravda"
    feeds = (
        "https://www.pravda.com.ua/rss/view_news/",
        "https://www.pravda.com.ua/rus/rss/view_news/",
        "https://www.pravda.com.ua/eng/rss/view_news/",
        "https://www.eurointegration.com.ua/rss/view_news/",
    )
    news_sitemaps = ("https://www.pravda.com.ua/sitemap/sitemap-news.xml",)
    sitemap_indexes = ("https://www.pravda.com.ua/sitemap/sitemap-archive.xml",)
    article_url = re.compile(r"/(?:news|articles|columns)/\d{4}/\d{2}/\d{2}/\d{5,}/?$")
